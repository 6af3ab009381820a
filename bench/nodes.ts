import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDirectory, writeDirectoryJson } from '../scripts/lib/directory-generator';
import { databaseUrl, withPg } from '../scripts/lib/pg-server';
import { spawnRouter } from '../scripts/lib/router-process';
import { CITY, log } from './common';
import { api as apiAs, benchRouterConfig, removeBenchConfig, until } from './failover';

const TOKEN = 'bench-nodes-admin';
const api = (url: string, path: string, body?: unknown) => apiAs(url, path, body, TOKEN);

export interface NodesFigure {
  nodes: number;
  deliveries: number;
  /** Deliveries to a final status per second, from the POST to the order's last one. */
  perS: number;
}

/**
 * Deliveries to a final status per second with 1, 2 and 3 router processes on one PostgreSQL
 * database (a database of the run's own for each) and NATS: one routine order to everyone in a
 * generated directory of `people`, sent to the active node, finished when the order says none is
 * open. The followers serve and poll meanwhile, as a cluster's nodes do; the active node does the
 * delivery work (README, "Not yet"), so this is what followers cost it, not what they add.
 */
export async function nodesThroughput(pgUrl: string, natsUrl: string, people: number, counts: readonly number[] = [1, 2, 3]): Promise<NodesFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-nodes-'));
  const file = join(dir, 'directory.json');
  await writeDirectoryJson(generateDirectory({ people, seed: 7 }), file);
  // As the in-process measure: nothing but the router and its database limits the rate.
  const config = benchRouterConfig(1_000_000, file, { window: 100_000, ratePerS: 1_000_000_000, acceptMs: [0, 0], deliverMs: [0, 0] });
  const out: NodesFigure[] = [];
  try {
    for (const n of counts) out.push(await round(pgUrl, natsUrl, config, n));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    removeBenchConfig(config);
  }
  return out;
}

async function round(pgUrl: string, natsUrl: string, config: string, n: number): Promise<NodesFigure> {
  const database = `bench_nodes_${process.pid}_${n}`;
  await withPg(pgUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const env = { LIFELINE_DB: databaseUrl(pgUrl, database), LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: TOKEN, LIFELINE_SIMULATORS: 'public', LIFELINE_BUS: natsUrl };
  // Every process as it is spawned, so that one that never serves is killed too.
  const procs: ChildProcess[] = [];
  const start = (i: number) => within(spawnRouter({ ...env, LIFELINE_NODE: `node-${i}` }, { onSpawn: (p) => procs.push(p) }), `node-${i} to serve`);
  try {
    const active = await start(1);
    await within(active.listening, 'node-1 to load the directory and listen');
    for (let i = 2; i <= n; i++) await start(i);
    const t0 = performance.now();
    const a = await api(active.url, '/api/orders', { clientRef: `nodes-${n}`, order: { priority: 'routine', to: { areas: [CITY] }, body: '请各村做好防汛准备。', ttlS: 3600 } });
    // Asked ten times a second, of the orders table: the order view (a count over its 100,000
    // deliveries) asked back to back would be much of what the active node does.
    await until(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return !(await api(active.url, '/api/orders?status=open')).some((o: { orderId: string }) => o.orderId === a.orderId);
    }, 10 * 60_000);
    const perS = a.deliveries / ((performance.now() - t0) / 1000);
    log(`${n} node${n > 1 ? 's' : ''}: ${Number(a.deliveries).toLocaleString()} deliveries final at ${Math.round(perS).toLocaleString()}/s`);
    return { nodes: n, deliveries: a.deliveries, perS };
  } finally {
    const exited = procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r))));
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(exited);
    await withPg(pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  }
}

/** A bench step that hangs fails after five minutes, naming what it waited for. */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`bench: gave up waiting for ${what}`)), 5 * 60_000)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
