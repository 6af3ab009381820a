/**
 * Far-end peers for demos and drills, each as its own process:
 *   node dist/apps/far-end/src/main.js smsc [--port 2775] [--system-id lifeline] [--password secret]
 *       [--reply-probability 0.8] [--invalid-prefix 1990]
 *   node dist/apps/far-end/src/main.js ground-station --mqtt mqtt://127.0.0.1:1883 --station wl2h-1
 *       --areas 330104 [--for-s 18000] [--prefix lifeline/drone]
 *   node dist/apps/far-end/src/main.js radio-gateway [--port 3004] --radios 3321751,3300001
 *   node dist/apps/far-end/src/main.js beidou-terminal --path /dev/pts/N [--interval-s 60] [--level 3]
 *   node dist/apps/far-end/src/main.js modem --path /dev/pts/N
 * They print one line per message they handle; SIGTERM stops them.
 */
import { parseArgs } from 'node:util';
import { startPeer } from './peers';

const [kind, ...rest] = process.argv.slice(2);
let values: Record<string, string | undefined>;
try {
  values = parseArgs({ args: rest, options: Object.fromEntries(['port', 'system-id', 'password', 'reply-probability', 'invalid-prefix', 'mqtt', 'station', 'areas', 'for-s', 'prefix', 'radios', 'path', 'address', 'interval-s', 'level'].map((k) => [k, { type: 'string' as const }])) }).values;
} catch (e) {
  process.stderr.write(`far-end: ${(e as Error).message}\n`);
  process.exit(2);
}
const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${kind}: ${m}\n`);
startPeer(kind, values, log).then(
  (stop) => {
    const shutdown = () => void stop().then(() => process.exit(0));
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  },
  (e) => {
    process.stderr.write(`far-end: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
