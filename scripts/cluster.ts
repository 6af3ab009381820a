/**
 * Several router nodes on one PostgreSQL database and a NATS bus, on this machine:
 *   npm run cluster -- --nodes 3 [--port 3000] [--db postgres://postgres@127.0.0.1:5432/lifeline_cluster]
 *                     [--bus nats://127.0.0.1:4222 | --no-bus] [--fresh]
 * creates the database if needed (`--fresh`: drops it first, for a walkthrough from nothing), starts the nodes (the first to take the writer lease becomes
 * active; the others follow: they serve consoles and pass orders on over the bus, or, with
 * --no-bus, only wait), prints each node's URL and process id, and says which node is active
 * whenever that changes. Kill the active one (`kill -9 <pid>`) and watch a follower take over. A node that steps down by itself (its lease was taken while it was cut off, exit 3) is
 * started again as a standby; a node killed by a signal is not. Ctrl-C stops them all.
 * Each node's JSON log goes to data/cluster/<node>.log (a run's own); the lines that matter are printed here.
 * The nodes run with a lane of delivery work per node (`engine.lanes`, at least 2; a config file of
 * yours in LIFELINE_CONFIG comes after and wins): the active node keeps one and hands one to each follower.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hideCredentials } from '@lifeline/gateway-sdk';
import { arg } from './lib/args';
import { databaseUrl, withPg } from './lib/pg-server';
import { spawnRouter } from './lib/router-process';

const NODES = Number(arg('nodes') ?? 3);
const BASE_PORT = Number(arg('port') ?? 3000);
const DB = arg('db') ?? process.env.LIFELINE_DB ?? 'postgres://postgres@127.0.0.1:5432/lifeline_cluster';
const FRESH = process.argv.includes('--fresh');
const BUS = process.argv.includes('--no-bus') ? null : (arg('bus') ?? process.env.LIFELINE_BUS ?? 'nats://127.0.0.1:4222');
const LOGS = 'data/cluster';
/** A config overlay: a lane of delivery work per node. */
const LANES_FILE = join(LOGS, 'lanes.yaml');

interface Node {
  name: string;
  url: string;
  proc: ChildProcess;
}

const nodes = new Map<string, Node>();
let stopping = false;

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

/** Creates the cluster's database on its server when it is not there yet. */
async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`expected a plain database name in ${url}`);
  await withPg(databaseUrl(url, 'postgres'), async (c) => {
    if (FRESH) {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      say(`dropped database ${name} (--fresh)`);
    }
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await c.query(`CREATE DATABASE "${name}"`);
      say(`created database ${name}`);
    }
  });
}

function start(name: string, port: number, again = false): void {
  // A run's logs are its own; a node started again (after stepping down) goes on in the same file.
  const log = createWriteStream(join(LOGS, `${name}.log`), { flags: again ? 'a' : 'w' });
  let partial = '';
  const onStderr = (d: Buffer) => {
    log.write(d);
    const lines = (partial + String(d)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const msg = message(line);
      if (msg) say(`[${name}] ${msg}`);
    }
  };
  const config = [LANES_FILE, ...(process.env.LIFELINE_CONFIG ? [process.env.LIFELINE_CONFIG] : [])].join(',');
  const env = { LIFELINE_DB: DB, LIFELINE_STANDBY: '1', LIFELINE_NODE: name, PORT: String(port), HOST: process.env.HOST ?? '127.0.0.1', LIFELINE_CONFIG: config, ...(BUS ? { LIFELINE_BUS: BUS } : {}) };
  const spawned: { proc?: ChildProcess } = {};
  const started = spawnRouter(env, { stdout: 'inherit', onStderr, onSpawn: (proc) => (spawned.proc = proc) });
  const node: Node = { name, url: `http://127.0.0.1:${port}`, proc: spawned.proc! };
  nodes.set(name, node);
  say(`${name}  pid ${node.proc.pid}  ${node.url}`);
  started.catch(() => undefined); // an early exit is told below, with its output already printed
  node.proc.once('exit', (code, signal) => {
    log.end();
    if (nodes.get(name) === node) nodes.delete(name);
    if (stopping) return;
    if (code === 3) {
      say(`${name} stepped down (exit 3); starting it again as a standby`);
      start(name, port, true);
    } else say(`${name} (pid ${node.proc.pid}) ended by ${signal ?? `exit ${code}`}; not restarted, ${nodes.size} node(s) left`);
    if (!nodes.size) process.exit(0);
  });
}

/** Warnings and errors as the router's log writes them (pino's labels), or as numbers. */
const LOUD = new Set(['warn', 'error', 'fatal', 40, 50, 60]);
/** When a warning of each shape (its text with the numbers left out) was last printed, and how many were not since. */
const quieted = new Map<string, { at: number; held: number }>();

/**
 * The lines worth a dispatcher's eye: who listens, who is active, warnings and errors. A warning
 * said again and again (late answers to closed orders) is printed once a minute, with a count.
 */
function message(line: string): string | null {
  try {
    const j = JSON.parse(line) as { level?: number | string; msg?: string };
    if (!j.msg) return null;
    if (/listening on|standby on|follower on|is active|fenced|silent for|lease|lane \d+ carried out/.test(j.msg)) return j.msg;
    if (!LOUD.has(j.level ?? '')) return null;
    const shape = j.msg.replace(/[\w-]*\d[\w-]*/g, '#');
    const seen = quieted.get(shape);
    const now = Date.now();
    if (seen && now - seen.at < 60_000) return void seen.held++, null;
    quieted.set(shape, { at: now, held: 0 });
    return seen?.held ? `${j.msg} (and ${seen.held} more like it in the last minute: see the log)` : j.msg;
  } catch {
    return line.trim() || null; // not JSON: start-up refusals and crashes, print them as they are
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(NODES) || NODES < 1 || NODES > 9) throw new Error('expected --nodes 1 to 9');
  mkdirSync(LOGS, { recursive: true });
  writeFileSync(LANES_FILE, `# written by npm run cluster: a lane of delivery work per node\nengine: { lanes: ${Math.max(2, NODES)} }\n`);
  await ensureDatabase(DB);
  say(`${NODES} node(s) on ${hideCredentials(DB)}${BUS ? `, bus ${hideCredentials(BUS)}` : ', no bus'}; logs in ${LOGS}/`);
  for (let i = 0; i < NODES; i++) start(`node-${i + 1}`, BASE_PORT + i);
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('stopping every node');
    for (const n of nodes.values()) n.proc.kill('SIGTERM');
    const left = [...nodes.values()].map((n) => new Promise((r) => n.proc.once('exit', r)));
    void Promise.all(left).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`cluster: ${(e as Error).message}\n`);
  for (const n of nodes.values()) n.proc.kill('SIGTERM');
  process.exit(1);
});
