import WebSocket from 'ws';
import { databaseUrl, withPg } from '../scripts/lib/pg-server';
import { spawnRouter, type RouterProcess } from '../scripts/lib/router-process';
import { log } from './common';
import { api as apiAs, benchRouterConfig, removeBenchConfig, until } from './failover';

const TOKEN = 'bench-followers-admin';
const api = (url: string, path: string, body?: unknown) => apiAs(url, path, body, TOKEN);

export interface FollowerFigures {
  /** POST of a one-person flash order to the active node, to its 202 (committed). */
  acceptActiveMs: number[];
  /** The same through a follower: passed on over NATS, answered after the active node's commit. */
  acceptFollowerMs: number[];
  /** From the active node's 202 to `order.accepted` on a console of the follower (its tail, woken by the bus). */
  streamLagMs: number[];
}

/**
 * Followers, measured with real processes: an active node and a follower on one PostgreSQL
 * database (of the run's own) and NATS. Sequential orders, so each figure is one order's path.
 */
export async function followers(pgUrl: string, natsUrl: string, rounds: number): Promise<FollowerFigures> {
  const database = `bench_followers_${process.pid}`;
  await withPg(pgUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const config = benchRouterConfig(1000);
  const env = { LIFELINE_DB: databaseUrl(pgUrl, database), LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: TOKEN, LIFELINE_STANDBY: '1', LIFELINE_SIMULATORS: 'public', LIFELINE_BUS: natsUrl };
  const nodes: RouterProcess[] = [];
  const out: FollowerFigures = { acceptActiveMs: [], acceptFollowerMs: [], streamLagMs: [] };
  try {
    const active = await spawnRouter({ ...env, LIFELINE_NODE: 'node-a' });
    nodes.push(active);
    await active.listening;
    const follower = await spawnRouter({ ...env, LIFELINE_NODE: 'node-b' });
    nodes.push(follower);
    const person = ((await api(active.url, '/api/directory?limit=1')).people as { id: string }[])[0].id;
    const seen = new Map<string, number>();
    const ws = new WebSocket(`${follower.url.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; orderId?: string };
      if (f.type === 'order.accepted' && f.orderId) seen.set(f.orderId, performance.now());
    });
    ws.send(JSON.stringify({ type: 'subscribe' }));
    const order = (i: number, via: string) => ({ clientRef: `${via}-${i}`, order: { priority: 'flash', to: { people: [person] }, body: `第${i}号：测试。`, ttlS: 600 } });
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const a = await api(active.url, '/api/orders', order(i, 'active'));
      const t1 = performance.now();
      out.acceptActiveMs.push(t1 - t0);
      await until(async () => seen.has(a.orderId));
      out.streamLagMs.push(seen.get(a.orderId)! - t1);
    }
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await api(follower.url, '/api/orders', order(i, 'follower'));
      out.acceptFollowerMs.push(performance.now() - t0);
    }
    ws.close();
    log(`followers: ${rounds} orders through each node`);
  } finally {
    for (const n of nodes) n.proc.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await withPg(pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    removeBenchConfig(config);
  }
  return out;
}
