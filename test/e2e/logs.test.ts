import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fastConfig, killChildren, tempDir, waitFor } from '../support/child';
import { Client, TOKENS } from '../support/server';

/**
 * The router's log as an operator reads it: one JSON object per line (level, msg), the level set
 * by config, and no secrets in it: no token, no order text, no full phone number.
 */
const ADMIN = 'logs-admin-token-5f3c9a';
const WRONG_TOKEN = 'wrong-token-d41d8cd98f';
const BODY = '梅花台风撤离口令：东岙村向三号避灾点转移';
const PHONE = '13096544257'; // p-000001's mobile in the demo directory
const SECRETS = [ADMIN, WRONG_TOKEN, TOKENS.drill, 'demo-gateway-public', BODY, PHONE];

afterAll(() => killChildren());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Runs the built router at `level`, does what leaves traces in a log, stops it; its output. */
async function logOf(level: string): Promise<string> {
  const dir = tempDir();
  const port = await freePort();
  const config = fastConfig(dir, (c) => (c.log = { level }));
  const proc = spawn(process.execPath, ['dist/apps/router/src/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LIFELINE_DB: join(dir, 'logs.db'), LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += String(d)));
  proc.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const http = (path: string, token: string, body?: unknown) =>
    fetch(url + path, { method: body === undefined ? 'GET' : 'POST', headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  try {
    await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.status === 200, 'the router serving'); // at warn it does not say so
    // An order with a distinctive text to someone with a phone, over WebSocket with a token.
    const c = await Client.open(url, ADMIN);
    c.send({ type: 'order.send', clientRef: 'log-1', order: { priority: 'flash', to: { people: ['p-000001'] }, body: BODY, ackRequired: true, ackWithinS: 300, ttlS: 600 } });
    const accepted = await c.next((f) => f.type === 'order.accepted');
    const orderId = String(accepted.orderId);
    await waitFor(async () => ((await (await http(`/api/orders/${orderId}`, ADMIN)).json()) as { counts: Record<string, number> }).counts.sending === undefined, 'the order out');
    // The person answers from their phone (through the simulated gateway) ...
    expect((await http('/api/sim/people/p-000001/reply', TOKENS.drill, { orderId, text: `${accepted.ref} 收到` })).status).toBe(202);
    // ... and a gateway of its own passes on an answer from that number, and a frame it cannot read.
    const gw = await Client.open(url, 'demo-gateway-public', '/gateway');
    gw.send({ type: 'hello', gatewayId: 'log-gw', channel: 'public', areas: ['330100'], window: 4 });
    gw.send({ type: 'reply', from: PHONE, text: BODY });
    gw.send({ type: 'reply', from: PHONE, text: BODY, token: ADMIN });
    await gw.close();
    // Failed requests: a wrong token, a bad body carrying the order text, nothing found.
    expect((await http('/api/orders', WRONG_TOKEN, { clientRef: 'x', order: {} })).status).toBe(401);
    expect((await http('/api/orders', ADMIN, { clientRef: 'x', order: { body: BODY, to: { people: [PHONE] } } })).status).toBe(400);
    expect((await http('/api/orders/o-nobody', ADMIN)).status).toBe(404);
    await waitFor(async () => ((await (await http(`/api/orders/${orderId}`, ADMIN)).json()) as { counts: Record<string, number> }).counts.acknowledged === 1, 'the answer counted');
    await c.close();
  } finally {
    proc.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  return out;
}

const linesOf = (out: string) => out.split('\n').filter((l) => l.trim() !== '');

describe('the router log (built router)', () => {
  it.each([['warn'], ['info']])('at %s: JSON lines with level and msg, nothing below the level, no token, order text or phone number', async (level) => {
    const out = await logOf(level);
    const lines = linesOf(out);
    const parsed = lines.map((l): { level?: unknown; msg?: unknown; notJson?: string } => {
      try {
        return JSON.parse(l) as { level?: unknown; msg?: unknown };
      } catch {
        return { notJson: l };
      }
    });
    expect(parsed.filter((p) => typeof p.level !== 'string' || typeof p.msg !== 'string')).toEqual([]);
    const levels = new Set(parsed.map((p) => p.level));
    if (level === 'warn') expect([...levels].filter((l) => l === 'info' || l === 'debug')).toEqual([]);
    else expect(levels.has('info')).toBe(true); // it says it listens, and where
    // The unmatched answer is there at both levels, its number cut short: the log is not just empty.
    expect(parsed.some((p) => p.level === 'warn' && /reply from 130\*+57 .*ignored/.test(String(p.msg)))).toBe(true);
    expect(SECRETS.filter((s) => out.includes(s))).toEqual([]);
  });
});
