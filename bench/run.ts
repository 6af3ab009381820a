/**
 * `npm run bench`: the router's throughput and latency against baselines measured in the same run.
 * Prints a table and writes bench/results.json. Not part of `npm test`.
 *   --quick   100,000-person scale only (a minute instead of several)
 *   --only    some measures: accept,throughput,latency,rss,board (board alone with --pg: on PostgreSQL) (with --cluster: throughput,accept,latency,failover,followers,nodes)
 *   --cluster the store and cluster measures instead (bench/cluster.ts)
 */
import { SystemClock } from '@lifeline/clock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createDelivery, stepDelivery } from '@lifeline/machines';
import { RouterCore, type Orders } from '@lifeline/engine';
import { SqliteStore } from '@lifeline/store';
import { ADMIN, benchConfig, CITY, COUNTY, fastSims, HUNDRED_K, loadDirectory, log, machine, ms, only, PEOPLE, spec, table, waitUntil, wanted, writeResults } from './common';
import { clusterBench } from './cluster';
import { flashLatency } from './flash-latency';
import { boardBench, TARGET_MS } from './board';

const results: Record<string, unknown> = {};
const rows: [string, string, string, string][] = [];

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

async function openStore(dir: string, name: string): Promise<SqliteStore> {
  const store = await SqliteStore.open(join(dir, name));
  await loadDirectory(store, 'sqlite');
  // Measures start from a checkpointed log: otherwise the first one's commit pays for moving the
  // directory out of the WAL, and which one that is depends on the directory's size.
  store.db.sql.db.pragma('wal_checkpoint(TRUNCATE)');
  return store;
}

/** The same delivery rows, inserted one prepared statement at a time, in one transaction. */
function rawInsert(dir: string, people: { id: string; area: string; path: string; terminals: string }[]): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE deliveries (id varchar PRIMARY KEY NOT NULL, order_id varchar NOT NULL, person_id varchar NOT NULL, area varchar NOT NULL,
    area_path varchar NOT NULL, terminals varchar NOT NULL, priority_rank bigint NOT NULL, expires_at bigint NOT NULL, status varchar NOT NULL,
    machine varchar, channel varchar, attempt bigint NOT NULL DEFAULT 0, updated_at bigint NOT NULL);
    CREATE INDEX s1 ON deliveries (status, priority_rank); CREATE INDEX s2 ON deliveries (status, area_path); CREATE INDEX s3 ON deliveries (person_id);`);
  const ins = db.prepare('INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, ?)');
  const t0 = performance.now();
  db.transaction(() => {
    for (const p of people) ins.run(`o-raw:${p.id}`, 'o-raw', p.id, p.area, p.path, p.terminals, 0, 1, 'new', 1);
  })();
  const t = performance.now() - t0;
  db.close();
  rmSync(join(dir, 'raw.db'), { force: true });
  return t;
}

async function acceptBench(dir: string, store: SqliteStore, core: RouterCore, clock: SystemClock): Promise<void> {
  // Accepting only: no starter picks the deliveries up while they are measured and removed.
  // (an order service of its own, which nobody listens to, and which starts nothing in its transaction)
  const orders = core.acceptOnly();
  for (const [label, area] of [['county', COUNTY], ['city', CITY]] as const) {
    const people = store.db.sql.all<{ id: string; area: string; path: string; terminals: string }>(
      'SELECT id, area, area_path AS path, terminals FROM people WHERE area_path >= ? AND area_path < ?',
      core.areas.path(area), core.areas.path(area).slice(0, -1) + '0',
    );
    const raw = rawInsert(dir, people);
    const t0 = performance.now();
    const a = await orders.accept(ADMIN, `accept-${label}`, spec({ to: { areas: [area] } }));
    const ours = performance.now() - t0;
    results[`accept_${a.deliveries}`] = { deliveries: a.deliveries, ms: ours, rawInsertMs: raw, ratio: ours / raw };
    rows.push([`accept flash order to ${a.deliveries.toLocaleString()} people`, ms(ours), `raw inserts ${ms(raw)}`, `${(ours / raw).toFixed(2)}x (target <= 2)`]);
    await forget(store, a.orderId);
  }
  await fenceAccept(dir, store, orders);
}

/**
 * A polygon over the middle of the city (an irregular hexagon, about a fifth of it), cutting
 * across counties, towns and villages: located people are read by box and tested one by one.
 * The baseline inserts the same rows (read back after the accept) as raw inserts do.
 */
async function fenceAccept(dir: string, store: SqliteStore, orders: Orders): Promise<void> {
  const [cx, cy] = [121.2, 28.85];
  const ring = [0, 1, 2, 3, 4, 5].map((i): [number, number] => [cx + 0.25 * Math.cos((i * Math.PI) / 3) * (i % 2 ? 0.8 : 1), cy + 0.2 * Math.sin((i * Math.PI) / 3)]);
  const t0 = performance.now();
  const a = await orders.accept(ADMIN, 'accept-polygon', spec({ to: { polygons: [{ type: 'Polygon', coordinates: [[...ring, ring[0]]] }] } }));
  const ours = performance.now() - t0;
  const people = store.db.sql.all<{ id: string; area: string; path: string; terminals: string }>(
    'SELECT p.id, p.area, p.area_path AS path, p.terminals FROM deliveries d JOIN people p ON p.id = d.person_id WHERE d.id > ? AND d.id < ?',
    `${a.orderId}:`, `${a.orderId};`,
  );
  const raw = rawInsert(dir, people);
  results.accept_polygon = { deliveries: a.deliveries, ms: ours, rawInsertMs: raw, ratio: ours / raw };
  rows.push([`accept flash order to a polygon (${a.deliveries.toLocaleString()} people)`, ms(ours), `raw inserts ${ms(raw)}`, `${(ours / raw).toFixed(2)}x (target <= 2)`]);
  await forget(store, a.orderId);
}

/**
 * Leaves the store as it was for the next measurement, its log checkpointed: otherwise the next
 * measure's commit would pay for moving a million deleted rows out of the WAL.
 */
async function forget(store: SqliteStore, orderId: string): Promise<void> {
  await store.write(() => {
    store.db.sql.run('DELETE FROM deliveries WHERE id > ? AND id < ?', `${orderId}:`, `${orderId};`);
    store.db.sql.run('UPDATE orders SET open_count = 0 WHERE id = ?', orderId);
  });
  store.db.sql.db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * The floor under any design that runs the delivery machine through XState: START, ACCEPTED and
 * DELIVERED applied to fresh deliveries, with no storage, gateways or events at all.
 */
function machineStepsPerS(n: number): number {
  const input = { channels: ['public', 'drone', 'tiantong'], terminalOf: { public: 'public', drone: 'public', tiantong: 'tiantong' }, ackRequired: false, ackWithinMs: 0, expiresAt: Date.now() + 3_600_000, retryBaseMs: 30_000, retryMaxMs: 300_000 };
  const at = Date.now();
  const one = () => {
    const started = stepDelivery(createDelivery(input), { type: 'START', at, available: ['public', 'tiantong'] });
    const sent = stepDelivery(started.stored, { type: 'ACCEPTED', at, attempt: 1, deliveryTimeoutMs: 60_000 });
    return stepDelivery(sent.stored, { type: 'DELIVERED', at, attempt: 1 });
  };
  for (let i = 0; i < 10_000; i++) one();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) one();
  return n / ((performance.now() - t0) / 1000);
}

/** The same per-delivery writes (3 receipts, 3 snapshot updates, 1 attempt) straight through the driver. */
function rawWrites(dir: string, n: number): number {
  const db = new Database(join(dir, 'raw2.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE d (id varchar PRIMARY KEY, status varchar, machine varchar); CREATE TABLE e (seq bigint PRIMARY KEY, payload varchar); CREATE TABLE a (id varchar PRIMARY KEY, status varchar)');
  const insD = db.prepare('INSERT INTO d VALUES (?, ?, ?)');
  db.transaction(() => { for (let i = 0; i < n; i++) insD.run(`d${i}`, 'new', null); })();
  const up = db.prepare('UPDATE d SET status = ?, machine = ? WHERE id = ?');
  const ev = db.prepare('INSERT INTO e VALUES (?, ?)');
  const at = db.prepare('INSERT INTO a VALUES (?, ?)');
  const machine = JSON.stringify({ version: 1, value: 'sent', context: { channels: ['public', 'drone'], attempt: 1, epochs: { ttl: 1 } } });
  let seq = 0;
  const t0 = performance.now();
  for (let b = 0; b < n; b += 1000)
    db.transaction(() => {
      for (let i = b; i < Math.min(n, b + 1000); i++)
        for (const status of ['sending', 'sent', 'delivered']) {
          up.run(status, machine, `d${i}`);
          ev.run(++seq, `{"type":"receipt","status":"${status}"}`);
          if (status === 'sending') at.run(`d${i}#1`, status);
        }
    })();
  const t = performance.now() - t0;
  db.close();
  return t;
}

async function throughputBench(dir: string, store: SqliteStore, core: RouterCore, clock: SystemClock): Promise<void> {
  const sims = fastSims(core, clock, ['public']);
  await core.settle();
  const finalsBefore = core.stats().engine.finals;
  const t0 = performance.now();
  const a = await core.orders.accept(ADMIN, 'throughput', spec({ priority: 'routine', to: { areas: [HUNDRED_K] } }));
  await waitUntil(() => core.stats().engine.finals - finalsBefore >= a.deliveries);
  const t = performance.now() - t0;
  log(`  writer batches: ${store.commits}, engine applied ${core.stats().engine.applied}, ignored ${core.stats().engine.ignored}`);
  const perS = a.deliveries / (t / 1000);
  const raw = rawWrites(dir, a.deliveries);
  const rawPerS = a.deliveries / (raw / 1000);
  const stepsPerS = machineStepsPerS(a.deliveries);
  results.throughput = { deliveries: a.deliveries, ms: t, perS, rawSameWritesPerS: rawPerS, ratio: perS / rawPerS, machineStepsAlonePerS: stepsPerS, ratioToSteps: perS / stepsPerS };
  rows.push([`deliveries to final, zero-latency simulators (${a.deliveries.toLocaleString()})`, `${Math.round(perS).toLocaleString()}/s`, `raw same writes ${Math.round(rawPerS).toLocaleString()}/s`, `${(perS / rawPerS).toFixed(2)}x of raw (target >= 10,000/s)`]);
  rows.push(['  the same three machine steps per delivery, nothing else', `${Math.round(stepsPerS).toLocaleString()}/s`, 'XState transition() only', `${(perS / stepsPerS).toFixed(2)}x of machine steps alone`]);
  sims.forEach((s) => s.disconnect());
  await core.settle();
}

async function latencyBench(store: SqliteStore, core: RouterCore, clock: SystemClock): Promise<void> {
  const l = await flashLatency(store, core, clock, 'sqlite');
  results.flashLatency = l;
  rows.push([`flash order -> first attempt, during a ${l.routineInProgress.toLocaleString()}-person routine order`, `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}`, `${l.samples} samples`, 'target p99 < 50 ms']);
}

async function rssBench(store: SqliteStore, core: RouterCore, clock: SystemClock): Promise<void> {
  // Gateways accept and never deliver: every delivery stays open (`sent`), its timer in the table.
  // They stay connected: disconnecting would move a million deliveries before the store closes.
  fastSims(core, clock, ['public'], true);
  await core.settle();
  peakRss = process.memoryUsage().rss;
  const startRss = peakRss;
  const a = await core.orders.accept(ADMIN, 'rss', spec({ priority: 'routine', to: { areas: [CITY] } }));
  const t0 = performance.now();
  await waitUntil(async () => (await store.read.deliveries.countByStatus('new')) === 0 && core.stats().dispatcher.pending === 0);
  await core.settle();
  const open = (await store.read.orders.get(a.orderId))!.open_count;
  results.rss = { deliveriesInFlight: Number(open), peakRssMB: peakRss / 2 ** 20, startRssMB: startRss / 2 ** 20, startAllMs: performance.now() - t0 };
  rows.push([`peak RSS, ${Number(open).toLocaleString()} deliveries in flight`, `${(peakRss / 2 ** 20).toFixed(0)} MB`, `at start ${(startRss / 2 ** 20).toFixed(0)} MB`, 'target < 1,536 MB']);
}

/**
 * Each measure starts from a collected heap. The accept measure's raw baseline holds 1.1 million
 * rows in JS arrays (the router's accept never does: it is one INSERT ... SELECT); left to the
 * collector, that heap made the next measure about 15% slower in every part of its work.
 * `npm run bench` runs node with --expose-gc.
 */
function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  else log('  (no --expose-gc: measures do not start from a collected heap)');
}

async function boardPart(dir: string): Promise<void> {
  const b = await boardBench(dir);
  results.board = b;
  const label: Record<string, string> = {
    counts: 'counts only (the board, ?limit=1)', first: 'first page, unfiltered', notAnswered: 'first page, not answered', notReached: 'first page, not reached',
    channel: 'first page, one channel', area: 'first page, a town of the first county', lastArea: 'first page, a town of the last county',
    queued: 'first page, queued (the last county)', search: "first page, a person's name (q)", page500: 'page 500 by its cursor',
    progress: 'progress (the chart)', areas: 'counts by area (the map)',
  };
  rows.push([`order board over HTTP, a ${b.deliveries.toLocaleString()}-person order`, '', `progressed in ${(b.progressedMs / 1000).toFixed(1)} s`, '']);
  for (const [name, t] of Object.entries(b.calls))
    rows.push([`  ${label[name]}`, `p50 ${ms(t.p50)}, p95 ${ms(t.p95)}`, `${t.rows} rows, ${t.reps} calls`, `target < ${TARGET_MS} ms`]);
  const csvMs = [...b.csv.ms].sort((x, y) => x - y);
  rows.push([`  CSV of all ${b.csv.rows.toLocaleString()} rows (${(b.csv.bytes / 2 ** 20).toFixed(1)} MB)`, `median ${ms(csvMs[1] ?? csvMs[0])}`, `RSS +${b.csv.rssGrowthMB.toFixed(0)} MB, heap +${b.csv.heapGrowthMB.toFixed(0)} MB`, 'streams, a page in memory']);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
  if (only === 'board') {
    // Its own router and database: the million-person store below is not needed.
    log('board: the console order board over HTTP');
    await boardPart(dir);
    return finish(dir);
  }
  const ec = benchConfig();
  const store = await openStore(dir, 'bench.db');
  const clock = new SystemClock();
  const core = await RouterCore.create({ store, clock, config: ec, areas: (await store.read.directory.areas()) });
  if (wanted('accept')) {
    log('accept: order -> committed, against raw inserts of the same rows');
    await acceptBench(dir, store, core, clock);
    collect();
  }
  await core.start();
  if (wanted('throughput')) {
    log('throughput: zero-latency simulators');
    await throughputBench(dir, store, core, clock);
    collect();
  }
  if (wanted('latency')) {
    log('latency: flash during routine');
    await latencyBench(store, core, clock);
    collect();
  }
  if (wanted('rss')) {
    log(`rss: ${PEOPLE.toLocaleString()} deliveries in flight`);
    await rssBench(store, core, clock);
  }
  await core.stop();
  await store.close();
  if (wanted('board')) {
    log('board: the console order board over HTTP');
    collect();
    await boardPart(dir);
  }
  await finish(dir);
}

async function finish(dir: string): Promise<void> {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  const host = machine();
  process.stdout.write(`\n${table(rows)}\n`);
  process.stdout.write(`machine: ${host.cpus} cores, ${host.memoryGB} GB, ${host.cpu}, node ${host.node}\n`);
  writeResults('bench/results.json', host, results);
}

// Exits when done: a connection the bench left (a router's keep-alive socket, a NATS client)
// must not keep a finished run waiting.
(process.argv.includes('--cluster') ? clusterBench() : main()).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
