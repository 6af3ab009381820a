import { SystemClock } from '@lifeline/clock';
import { SimulatedGateway } from '@lifeline/channels';
import { NOT_ANSWERED_STATUSES, NOT_REACHED_STATUSES } from '@lifeline/domain';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RouterCore } from '@lifeline/engine';
import { loadConfig } from '../apps/router/src/config/load-config';
import type { Directory } from '../apps/router/src/lifeline';
import { startServer, type RunningServer } from '../apps/router/src/server';
import { generateDirectory } from '../scripts/lib/directory-generator';
import { withPg } from '../scripts/lib/pg-server';
import { CITY, log, waitUntil } from './common';

const TOKEN = 'bench-board-admin-token';
/** With `--pg`: on PostgreSQL (`LIFELINE_BENCH_PG`, as --cluster), in a schema of its own, dropped after. */
const PG = process.argv.includes('--pg') ? { url: process.env.LIFELINE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test', schema: `bench_board_${process.pid}` } : null;
/** The console's page (apps/console/src/views/people-table.tsx) and the board's counts-only read. */
const PAGE = 100;
const REPS = 20;
/** A duty-room screen refreshes about every second while receipts come in. */
export const TARGET_MS = 100;
/** The county no public gateway covers: its people wait for a channel (`queued`). */
const UNCOVERED = '330111';
/** The console's status filters. */
const NOT_ANSWERED = NOT_ANSWERED_STATUSES.join(',');
const NOT_REACHED = NOT_REACHED_STATUSES.join(',');

export interface Timed {
  p50: number;
  p95: number;
  reps: number;
  /** Rows the call answered (a page's rows, areas, chart points). */
  rows: number;
}

export interface BoardFigures {
  deliveries: number;
  counts: Record<string, number>;
  progressedMs: number;
  calls: Record<string, Timed>;
  csv: { ms: number[]; rows: number; bytes: number; rssGrowthMB: number; heapGrowthMB: number; startRssMB: number };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function get(url: string, path: string): Promise<any> {
  const r = await fetch(url + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** One warm-up call, then `REPS` timed ones, each a whole HTTP round trip with its JSON parsed. */
async function timed(url: string, path: string, count: (body: any) => number): Promise<Timed> {
  await get(url, path);
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    rows = count(await get(url, path));
    ms.push(performance.now() - t0);
  }
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), reps: REPS, rows };
}

/**
 * The whole order as CSV, read as it streams (the client keeps a line count, not the text): its
 * time, and how much the process (router and client alike) grew meanwhile, sampled every 10 ms.
 */
async function csv(url: string, orderId: string): Promise<{ ms: number; rows: number; bytes: number; rss: number; heap: number; startRss: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const startRss = process.memoryUsage().rss;
  const startHeap = process.memoryUsage().heapUsed;
  let [rss, heap] = [startRss, startHeap];
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 10);
  const t0 = performance.now();
  const r = await fetch(`${url}/api/orders/${orderId}/csv`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!r.ok || !r.body) throw new Error(`csv: ${r.status}`);
  let [lines, bytes] = [0, 0];
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  const ms = performance.now() - t0;
  clearInterval(sample);
  return { ms, rows: lines - 1, bytes, rss: rss - startRss, heap: heap - startHeap, startRss };
}

/**
 * A gateway with no latency and a realistic mix of statuses some seconds into an order: public
 * covers every county but one (whose people wait for a channel, `queued`), loses 5% (`sent`
 * until their receipt times out), and 40% of people answer within 5 s (`acknowledged`; the others
 * `delivered`, waiting within the order's 10 minutes).
 */
function gateways(core: RouterCore, counties: string[]): SimulatedGateway[] {
  const clock = new SystemClock();
  const spec = { channel: 'public', gatewayId: 'bench-board-public', areas: counties.filter((c) => c !== UNCOVERED), window: 100_000, acceptMs: [0, 0] as [number, number], deliverMs: [0, 200] as [number, number], loss: 0.05, ratePerS: 1e9, minIntervalMs: 0, concurrent: 0, replyProbability: 0.4, replyDelayMs: [0, 5_000] as [number, number], invalidPrefix: null };
  const sim = new SimulatedGateway(spec, clock, 17);
  sim.connect(core.gateways);
  return [sim];
}

/**
 * The console's order board against a 100,000-person order, through the router's real HTTP app
 * (Nest, guards, zod, JSON) in this process on a SQLite file: the order is sent and left to
 * progress with a simulated gateway until every delivery is sent or waits for a channel and the
 * answers are in, then every call the board makes is timed, the router otherwise idle.
 */
export async function boardBench(dir: string): Promise<BoardFigures> {
  const generated = generateDirectory({ people: 100_000, seed: 7 });
  const directory = { areas: generated.areas, people: [...generated.people()] } as unknown as Directory;
  const config = loadConfig('config/default.yaml');
  // As the other parts: no throttling, and no timeouts (a lost message stays `sent`, and the
  // breaker does not take the channel down for it while the order progresses).
  for (const c of config.channels) Object.assign(c, { acceptTimeoutS: 3600, deliveryTimeoutS: 7200, capacity: { ...c.capacity, ratePerS: 1e9, burst: 1e9 } });
  let running: RunningServer | null = null;
  try {
    const t = performance.now();
    const database = PG ? { database: PG.url, schema: PG.schema } : { database: join(dir, 'board.db') };
    running = await startServer({ config, ...database, directory, simulators: 'none', adminToken: TOKEN, host: '127.0.0.1', port: 0 });
    log(`board: router up on ${PG ? 'PostgreSQL' : 'SQLite'} with ${directory.people.length.toLocaleString()} people in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const { url, lifeline } = running;
    const counties = generated.areas.filter((a) => a.parent === CITY).map((a) => a.code);
    const sims = gateways(lifeline.core, counties);
    const t0 = performance.now();
    const r = await fetch(`${url}/api/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRef: 'bench-board', order: { priority: 'flash', to: { areas: [CITY] }, body: '台风红色预警：请立即转移，收到请回复1。', ackRequired: true, ackWithinS: 600, ttlS: 86_400 } }),
    });
    const order = (await r.json()) as { orderId: string; deliveries: number };
    const store = lifeline.store;
    // Progressed: every delivery started and sent, and every answer the people gave read.
    const quiet = async () => {
      const replies = sims[0].stats.replies;
      await new Promise((r) => setTimeout(r, 1_000));
      const c = await store.read.deliveries.countsByStatus(order.orderId);
      return (c.queued ?? 0) + (c.delivered ?? 0) + (c.acknowledged ?? 0) + (c.sent ?? 0) === order.deliveries && sims[0].stats.replies === replies;
    };
    await waitUntil(quiet);
    await lifeline.core.settle();
    // As autovacuum would have by then (the test server runs without it): a burst of 300,000
    // updates leaves the index of deliveries by order and status unusable alone (every entry's row
    // visited to see whether it is live: 1.2 s for the counts here) until vacuumed.
    if (PG) await withPg(PG.url, (c) => c.query(`VACUUM ANALYZE "${PG.schema}".deliveries, "${PG.schema}".attempts, "${PG.schema}".people, "${PG.schema}".events`));
    const progressedMs = performance.now() - t0;
    const counts = (await get(url, `/api/orders/${order.orderId}?limit=1`)).counts as Record<string, number>;
    log(`board: ${order.deliveries.toLocaleString()} deliveries progressed in ${(progressedMs / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);

    const id = order.orderId;
    const rowsOf = (b: { deliveries: unknown[] }) => b.deliveries.length;
    // A town of the first county and one of the last (whose people come last in the order's id
    // order: the page scans past everyone else), a person's name as a dispatcher would type it,
    // and page 500's cursor (the one page 499's `next` gives).
    const town = generated.areas.find((a) => a.parent === counties[0])!.code;
    const lastTown = generated.areas.filter((a) => a.parent === counties[counties.length - 1]).at(-1)!.code;
    const person = directory.people[12_345] as unknown as { name: string };
    const page500 = (await store.read.deliveries.ofOrder(id, 499 * PAGE)).at(-1)!.id;
    const q = (s: string) => encodeURIComponent(s);
    const calls: Record<string, [string, (b: any) => number]> = {
      counts: [`/api/orders/${id}?limit=1`, rowsOf],
      first: [`/api/orders/${id}?limit=${PAGE}`, rowsOf],
      notAnswered: [`/api/orders/${id}?limit=${PAGE}&status=${q(NOT_ANSWERED)}`, rowsOf],
      notReached: [`/api/orders/${id}?limit=${PAGE}&status=${q(NOT_REACHED)}`, rowsOf],
      channel: [`/api/orders/${id}?limit=${PAGE}&channel=public`, rowsOf],
      area: [`/api/orders/${id}?limit=${PAGE}&area=${town}`, rowsOf],
      lastArea: [`/api/orders/${id}?limit=${PAGE}&area=${lastTown}`, rowsOf],
      queued: [`/api/orders/${id}?limit=${PAGE}&status=queued`, rowsOf],
      search: [`/api/orders/${id}?limit=${PAGE}&q=${q(person.name)}`, rowsOf],
      page500: [`/api/orders/${id}?limit=${PAGE}&after=${q(page500)}`, rowsOf],
      progress: [`/api/orders/${id}/progress`, (b) => b.points.length],
      areas: [`/api/orders/${id}/areas`, (b) => b.length],
    };
    const figures: Record<string, Timed> = {};
    for (const [name, [path, count]] of Object.entries(calls)) {
      figures[name] = await timed(url, path, count);
      log(`  ${name}: p50 ${figures[name].p50.toFixed(1)} ms, p95 ${figures[name].p95.toFixed(1)} ms, ${figures[name].rows} rows`);
    }
    const exports = [];
    for (let i = 0; i < 3; i++) exports.push(await csv(url, id));
    const c = exports[exports.length - 1];
    log(`  csv: ${exports.map((e) => e.ms.toFixed(0)).join(', ')} ms, ${c.rows.toLocaleString()} rows, ${(c.bytes / 2 ** 20).toFixed(1)} MB, RSS +${(Math.max(...exports.map((e) => e.rss)) / 2 ** 20).toFixed(0)} MB`);
    sims.forEach((s) => s.disconnect());
    return {
      deliveries: order.deliveries,
      counts,
      progressedMs,
      calls: figures,
      csv: { ms: exports.map((e) => e.ms), rows: c.rows, bytes: c.bytes, rssGrowthMB: Math.max(...exports.map((e) => e.rss)) / 2 ** 20, heapGrowthMB: Math.max(...exports.map((e) => e.heap)) / 2 ** 20, startRssMB: c.startRss / 2 ** 20 },
    };
  } finally {
    await running?.close();
    if (PG) await withPg(PG.url, (c) => c.query(`DROP SCHEMA IF EXISTS "${PG.schema}" CASCADE`));
  }
}
