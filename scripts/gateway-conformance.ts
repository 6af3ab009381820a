/**
 * The gateway conformance kit: plays the router's side of the gateway link against an adapter.
 *   npm run gateway:conformance -- --channel public --to 13800000001[,...] [--invalid 1990000000]
 *       [--no-delivered] [--restart] [--timeout-s 30] [--listen 127.0.0.1:4199 | --bus nats://127.0.0.1:4222] [--token T] [-- command args...]
 * With a command after `--`, the kit starts it with LIFELINE_GATEWAY_URL and LIFELINE_GATEWAY_TOKEN
 * set to its own address and token, and stops it at the end; without one, start the adapter by hand
 * pointed at the address printed. `--restart` (with a command) also restarts the adapter between a
 * send and its receipt: for adapters that keep their in-flight keys in a state file. Exit code 0 when every check passes, 1 otherwise, 2 for bad usage.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { hideCredentials, isNatsUrl, runConformance } from '@lifeline/gateway-sdk';

function usage(message: string): never {
  process.stderr.write(`gateway:conformance: ${message}\nusage: npm run gateway:conformance -- --channel ID --to ADDR[,ADDR] [--invalid ADDR] [--no-delivered] [--restart] [--timeout-s N] [--listen HOST:PORT | --bus nats://HOST:PORT] [--token T] [-- command args...]\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      channel: { type: 'string' },
      to: { type: 'string' },
      invalid: { type: 'string' },
      'no-delivered': { type: 'boolean', default: false },
      restart: { type: 'boolean', default: false },
      'timeout-s': { type: 'string', default: '30' },
      listen: { type: 'string', default: '127.0.0.1:0' },
      token: { type: 'string' },
      bus: { type: 'string' },
    },
  });
} catch (e) {
  usage((e as Error).message);
}
const { values, positionals } = parsed;
if (!values.channel) usage('--channel: expected the channel id the adapter serves');
if (!values.to) usage('--to: expected one or more terminal addresses, comma separated');
if (values.restart && !positionals.length) usage('--restart: expected the adapter command after --, so the kit can restart it');
const timeoutS = Number(values['timeout-s']);
if (!Number.isFinite(timeoutS) || timeoutS <= 0) usage(`--timeout-s: expected a positive number of seconds, got ${values['timeout-s']}`);
if (values.bus !== undefined && !isNatsUrl(values.bus)) usage(`--bus: expected nats://HOST:PORT (or tls://), got ${hideCredentials(values.bus)}`);
const [host, portText] = values.listen.split(':');
const port = Number(portText);
if (!host || !Number.isInteger(port) || port < 0 || port > 65535) usage(`--listen: expected HOST:PORT, got ${values.listen}`);

const start = positionals.length
  ? async (url: string, token: string) => {
      const child = spawn(positionals[0], positionals.slice(1), { stdio: 'inherit', env: { ...process.env, LIFELINE_GATEWAY_URL: url, LIFELINE_GATEWAY_TOKEN: token } });
      return () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
    }
  : undefined;

void runConformance({
  channel: values.channel,
  to: values.to.split(',').map((s) => s.trim()).filter(Boolean),
  invalidTo: values.invalid,
  expectDelivered: !values['no-delivered'],
  restart: values.restart,
  stepTimeoutMs: timeoutS * 1000,
  host,
  port,
  bus: values.bus,
  token: values.token,
  start,
  log: (m) => process.stdout.write(`${m}\n`),
}).then((r) => {
  process.stdout.write(`\n${r.checks.filter((c) => c.ok).length} passed, ${r.checks.filter((c) => !c.ok).length} failed (gateway ${r.gatewayId ?? '?'} on ${values.channel})\n`);
  process.exit(r.ok ? 0 : 1);
});
