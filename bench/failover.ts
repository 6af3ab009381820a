import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { databaseUrl, withPg } from '../scripts/lib/pg-server';
import { spawnRouter, type RouterProcess } from '../scripts/lib/router-process';
import { log, waitUntil } from './common';

const TOKEN = 'bench-failover-admin';

export interface Failover {
  /** SIGKILL of the active node to a standby answering `/health` 200. */
  takeoverMs: number[];
  /** SIGKILL to the first send, by the node that took over, of work the killed node held. */
  firstSendMs: number[];
}

/**
 * Failover, measured with real processes: two router nodes on one PostgreSQL database (a database
 * of the run's own). Each round sends an order of 500 people over a public channel slowed to 25
 * sends a second, SIGKILLs the active node once its sends began, and times the standby: until it
 * answers `/health`, and until the first send of that order's remaining work (its receipt, timed
 * by the router's own clock, on the same machine as the bench). The killed node
 * comes back as a standby before the next round.
 */
export async function failover(pgUrl: string, rounds: number): Promise<Failover> {
  const database = `bench_failover_${process.pid}`;
  await withPg(pgUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const config = benchRouterConfig(25);
  const env = { LIFELINE_DB: databaseUrl(pgUrl, database), LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: TOKEN, LIFELINE_STANDBY: '1', LIFELINE_SIMULATORS: 'public' };
  const nodes: RouterProcess[] = [];
  const out: Failover = { takeoverMs: [], firstSendMs: [] };
  try {
    for (const name of ['node-a', 'node-b']) nodes.push(await spawnRouter({ ...env, LIFELINE_NODE: name }));
    for (let round = 0; round < rounds; round++) {
      const active = await Promise.race(nodes.map((n) => n.listening.then(() => n)));
      const order = await api(active.url, '/api/orders', { clientRef: `failover-${round}`, order: { priority: 'routine', to: { areas: ['330100'] }, body: `第${round}轮：切换演练。`, ttlS: 600 } });
      await until(async () => {
        const c = (await api(active.url, `/api/orders/${order.orderId}?limit=1`)).counts as Record<string, number>;
        return (c.sending ?? 0) + (c.sent ?? 0) + (c.delivered ?? 0) > 0;
      });
      const t0 = Date.now();
      active.proc.kill('SIGKILL');
      await active.exited;
      const dead = Date.now(); // what happened after this was not the killed node's doing
      nodes.splice(nodes.indexOf(active), 1);
      const standby = nodes[0];
      await until(async () => (await fetch(`${standby.url}/health`).catch(() => null))?.status === 200);
      out.takeoverMs.push(Date.now() - t0);
      const firstSend = await firstSendAfter(standby.url, order.orderId, dead);
      out.firstSendMs.push(firstSend - t0);
      log(`failover round ${round + 1}: took over in ${out.takeoverMs[round]} ms, first send after ${out.firstSendMs[round]} ms`);
      await api(standby.url, `/api/orders/${order.orderId}/cancel`, {});
      nodes.push(await spawnRouter({ ...env, LIFELINE_NODE: round % 2 ? 'node-b' : 'node-a' }));
    }
  } finally {
    for (const n of nodes) n.proc.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await withPg(pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    removeBenchConfig(config);
  }
  return out;
}

/**
 * When the node at `url` first sent a delivery of `orderId`, at or after `since` (its clock): a
 * `sending` receipt, or a `sent` one (a resumed send keeps its attempt and says only `sent`; the
 * simulated gateway that accepted it lives in that node, so the send was that node's).
 */
async function firstSendAfter(url: string, orderId: string, since: number): Promise<number> {
  let seq = 0;
  for (;;) {
    const events = (await api(url, `/api/events?since=${seq}&limit=10000`)) as { seq: number; type: string; deliveryId?: string; status?: string; at: string }[];
    for (const e of events) {
      seq = e.seq;
      if (e.type === 'receipt' && (e.status === 'sending' || e.status === 'sent') && e.deliveryId?.startsWith(`${orderId}:`) && Date.parse(e.at) >= since) return Date.parse(e.at);
    }
    if (Date.now() - since > 60_000) throw new Error(`failover bench: no send of ${orderId} by the standby within 60 s`);
    if (!events.length) await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The default config with only a public channel sending `ratePerS` a second (25: an order of 500
 * takes 20 s to send, so a kill lands mid-order).
 */
export function benchRouterConfig(ratePerS: number, directory = 'config/directory.yaml', simulator: Record<string, unknown> = {}): string {
  const c = parse(readFileSync('config/default.yaml', 'utf8'));
  c.directory = resolve(directory);
  c.tokens = resolve('config/tokens.yaml');
  c.channels = c.channels.filter((ch: { id: string }) => ch.id === 'public');
  c.channels[0].capacity = { ratePerS, areaDepth: 0 };
  Object.assign(c.channels[0].simulator, { acceptMs: [0, 5], deliverMs: [0, 20], loss: 0, replyProbability: 0 }, simulator);
  c.preference = { default: ['public'] };
  c.relays = { resources: [] };
  const file = join(mkdtempSync(join(tmpdir(), 'lifeline-failover-')), 'config.yaml');
  writeFileSync(file, stringify(c));
  return file;
}

/** Removes what `benchRouterConfig` wrote. */
export function removeBenchConfig(file: string): void {
  rmSync(dirname(file), { recursive: true, force: true });
}

export async function api(url: string, path: string, body?: unknown, token = TOKEN): Promise<any> {
  const r = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** The lines of a node's /metrics (none while it does not answer). */
export async function metricLines(url: string, token: string): Promise<string[]> {
  const r = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } }).catch(() => null);
  return r?.ok ? (await r.text()).split('\n') : [];
}

/** `waitUntil`, but a bench round that hangs fails after `withinMs` (a minute) instead of forever. */
export async function until(check: () => Promise<boolean>, withinMs = 60_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  await waitUntil(async () => {
    if (Date.now() > deadline) throw new Error('bench: gave up waiting');
    return check();
  });
}
