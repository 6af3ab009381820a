import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDirectory, writeDirectoryJson } from '../scripts/lib/directory-generator';
import { databaseUrl, withPg } from '../scripts/lib/pg-server';
import { spawnRouter } from '../scripts/lib/router-process';
import { CITY, log } from './common';
import { api as apiAs, benchRouterConfig, metricLines, removeBenchConfig, until } from './failover';

const TOKEN = 'bench-nodes-admin';
const LANES = 3;
const api = (url: string, path: string, body?: unknown) => apiAs(url, path, body, TOKEN);

export interface NodesFigure {
  nodes: number;
  /** Whether the followers carried out lanes (`cluster.shareLanes`). */
  shared: boolean;
  deliveries: number;
  /** Deliveries to a final status per second, from the POST to the order's last one. */
  perS: number;
}

/**
 * Deliveries to a final status per second with 1, 2 and 3 router processes on one PostgreSQL
 * database (a database of the run's own for each) and NATS: one routine order to everyone in a
 * generated directory of `people`, sent to the active node, finished when the order says none is
 * open. Every round runs three lanes of delivery work (`engine.lanes: 3`): the active node keeps
 * lane 0 and hands one lane to each follower (the order is sent once they hold them), so one
 * node steps all three lanes itself, two nodes share them 2 to 1, three nodes one each; and, as
 * the same run's baseline, 2 and 3 nodes with `cluster.shareLanes: false` (the active node steps
 * every lane, the followers serve and poll).
 */
export async function nodesThroughput(pgUrl: string, natsUrl: string, people: number, counts: readonly number[] = [1, 2, 3]): Promise<NodesFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-nodes-'));
  const file = join(dir, 'directory.json');
  await writeDirectoryJson(generateDirectory({ people, seed: 7 }), file);
  // As the in-process measure: nothing but the router and its database limits the rate.
  const base = benchRouterConfig(1_000_000, file, { window: 100_000, ratePerS: 1_000_000_000, acceptMs: [0, 0], deliverMs: [0, 0] });
  const lanes = join(dir, 'lanes.yaml');
  writeFileSync(lanes, `engine: { lanes: ${LANES} }\n`);
  const alone = join(dir, 'alone.yaml');
  writeFileSync(alone, 'cluster: { shareLanes: false }\n');
  const out: NodesFigure[] = [];
  try {
    for (const n of counts) {
      out.push(await round(pgUrl, natsUrl, `${base},${lanes}`, n, true));
      if (n > 1) out.push(await round(pgUrl, natsUrl, `${base},${lanes},${alone}`, n, false));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    removeBenchConfig(base);
  }
  return out;
}

async function round(pgUrl: string, natsUrl: string, config: string, n: number, shared: boolean): Promise<NodesFigure> {
  const database = `bench_nodes_${process.pid}_${n}_${shared ? 's' : 'a'}`;
  await withPg(pgUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const env = { LIFELINE_DB: databaseUrl(pgUrl, database), LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: TOKEN, LIFELINE_SIMULATORS: 'public', LIFELINE_BUS: natsUrl };
  // Every process as it is spawned, so that one that never serves is killed too.
  const procs: ChildProcess[] = [];
  const start = (i: number) => within(spawnRouter({ ...env, LIFELINE_NODE: `node-${i}` }, { onSpawn: (p) => procs.push(p) }), `node-${i} to serve`);
  try {
    const active = await start(1);
    await within(active.listening, 'node-1 to load the directory and listen');
    for (let i = 2; i <= n; i++) await start(i);
    // The followers hold their lanes before the order goes out (the active node looks every 2 s).
    const held = async () => {
      await new Promise((r) => setTimeout(r, 200));
      return (await lanesElsewhere(active.url)) >= Math.min(n, LANES) - 1;
    };
    if (shared) await within(until(held, 60_000), 'the followers to hold their lanes');
    const t0 = performance.now();
    const a = await api(active.url, '/api/orders', { clientRef: `nodes-${n}`, order: { priority: 'routine', to: { areas: [CITY] }, body: '请各村做好防汛准备。', ttlS: 3600 } });
    // Asked ten times a second, of the orders table: the order view (a count over its 100,000
    // deliveries) asked back to back would be much of what the active node does.
    await until(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return !(await api(active.url, '/api/orders?status=open')).some((o: { orderId: string }) => o.orderId === a.orderId);
    }, 10 * 60_000);
    const perS = a.deliveries / ((performance.now() - t0) / 1000);
    log(`${n} node${n > 1 ? 's' : ''}${shared ? '' : ', lanes not shared'}: ${Number(a.deliveries).toLocaleString()} deliveries final at ${Math.round(perS).toLocaleString()}/s`);
    return { nodes: n, shared, deliveries: a.deliveries, perS };
  } finally {
    const exited = procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r))));
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(exited);
    await withPg(pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  }
}

/** Lanes the node at `url` has handed to other nodes, by its /metrics. */
async function lanesElsewhere(url: string): Promise<number> {
  return (await metricLines(url, TOKEN)).filter((l) => l.startsWith('lifeline_engine_lane_elsewhere{') && l.endsWith(' 1')).length;
}

/** A bench step that hangs fails after five minutes, naming what it waited for. */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`bench: gave up waiting for ${what}`)), 5 * 60_000)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
