import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { databaseUrl, withPg } from '../scripts/lib/pg-server';
import { spawnRouter, type RouterProcess } from '../scripts/lib/router-process';
import { log } from './common';
import { api as apiAs, benchRouterConfig, metricLines, removeBenchConfig, until } from './failover';

const TOKEN = 'bench-lane-failover-admin';
const api = (url: string, path: string, body?: unknown) => apiAs(url, path, body, TOKEN);

/**
 * A follower carrying a lane SIGKILLed: two router processes on PostgreSQL and NATS with two lanes
 * (the follower carries lane 1), an order of 500 people over a public channel slowed to 25 sends
 * a second, the follower killed once it committed jobs of that order; timed from the kill until
 * the active node carries out the lane itself (its `lifeline_engine_lane_elsewhere` gauge, asked
 * every 20 ms). Sends are the active node's all along (its dispatcher holds them), so this is how
 * long the lane's steps wait. The default lease (10 s): a job sent to the dead follower is given up
 * after half of it, or the follower's silence on the bus (3 s) is noticed at the next look (every
 * 2 s). The follower comes back before the next round.
 */
export async function laneFailover(pgUrl: string, natsUrl: string, rounds: number): Promise<number[]> {
  const database = `bench_lane_failover_${process.pid}`;
  await withPg(pgUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const base = benchRouterConfig(25);
  const lanes = join(dirname(base), 'lanes.yaml');
  writeFileSync(lanes, 'engine: { lanes: 2 }\n');
  const env = { LIFELINE_DB: databaseUrl(pgUrl, database), LIFELINE_CONFIG: `${base},${lanes}`, LIFELINE_ADMIN_TOKEN: TOKEN, LIFELINE_BUS: natsUrl, LIFELINE_SIMULATORS: 'public' };
  const procs: RouterProcess[] = [];
  const start = async (name: string) => {
    const p = await spawnRouter({ ...env, LIFELINE_NODE: name });
    procs.push(p);
    return p;
  };
  const out: number[] = [];
  try {
    const active = await start('node-a');
    await active.listening;
    let follower = await start('node-b');
    for (let round = 0; round < rounds; round++) {
      await until(() => after(200, async () => (await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')) === 1), 90_000);
      const jobsBefore = await gauge(follower.url, 'lifeline_lane_jobs_total');
      const carrying = follower;
      const order = await api(active.url, '/api/orders', { clientRef: `lane-failover-${round}`, order: { priority: 'routine', to: { areas: ['330100'] }, body: `第${round}轮：切换演练。`, ttlS: 600 } });
      await until(() => after(50, async () => (await gauge(carrying.url, 'lifeline_lane_jobs_total')) > jobsBefore + 2));
      follower.proc.kill('SIGKILL');
      await follower.exited;
      const dead = Date.now();
      await until(() => after(20, async () => (await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')) === 0), 60_000);
      out.push(Date.now() - dead);
      log(`lane failover round ${round + 1}: lane 1 back on the active node ${out[round]} ms after the follower's SIGKILL`);
      await api(active.url, `/api/orders/${order.orderId}/cancel`, {});
      follower = await start('node-b');
    }
  } finally {
    for (const p of procs) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await withPg(pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    removeBenchConfig(base);
  }
  return out;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `check`, asked after `ms` (a poll that does not hammer the node). */
async function after(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  await pause(ms);
  return check();
}

async function gauge(url: string, name: string): Promise<number> {
  const line = (await metricLines(url, TOKEN)).find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}
