/**
 * `npm run bench -- --cluster`: the router on PostgreSQL against the router on SQLite and against
 * raw inserts on PostgreSQL, in one run. `LIFELINE_BENCH_PG` names the server (default: the local
 * one, database `test`); the bench works in a schema of its own and drops it.
 * Failover (bench/failover.ts) and followers (bench/followers.ts, with NATS: `LIFELINE_BENCH_NATS`,
 * default the local one) run real router processes.
 *
 * The followers' figures are what a second node costs an order (passed on) and a console (the
 * stream's lag); `nodes` the deliveries per second with 1, 2 and 3 node processes sharing three
 * lanes of delivery work (the active node keeps one and hands the others to the followers).
 * `--only throughput,accept,latency,failover,followers,nodes,lanefailover` runs some parts.
 */
import { SystemClock } from '@lifeline/clock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { withPg } from '../scripts/lib/pg-server';
import { RouterCore, type EngineConfig } from '@lifeline/engine';
import { PostgresStore, SqliteStore, subtreeRange, type Storage } from '@lifeline/store';
import { failover } from './failover';
import { flashLatency, type FlashLatency } from './flash-latency';
import { followers } from './followers';
import { laneFailover } from './lane-failover';
import { nodesThroughput } from './nodes';
import { ADMIN, benchConfig, CITY, fastSims, HUNDRED_K, loadDirectory, log, machine as machineOf, ms, quick, spec, table, waitUntil, wanted, writeResults } from './common';

const PG_URL = process.env.LIFELINE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_${process.pid}`;
const results: Record<string, unknown> = {};
const rows: [string, string, string, string][] = [];

/** Deliveries to a final status per second: one routine order to about 100,000 people. */
async function throughput(store: Storage, config: EngineConfig, label: string): Promise<number> {
  const clock = new SystemClock();
  const core = await RouterCore.create({ store, clock, config, areas: await store.read.directory.areas() });
  await core.start();
  const sims = fastSims(core, clock, ['public']);
  await core.settle();
  const t0 = performance.now();
  const a = await core.orders.accept(ADMIN, `throughput-${label}`, spec({ priority: 'routine', to: { areas: [HUNDRED_K] } }));
  await waitUntil(() => core.stats().engine.finals >= a.deliveries);
  const perS = a.deliveries / ((performance.now() - t0) / 1000);
  log(`${label}: ${a.deliveries.toLocaleString()} deliveries final at ${Math.round(perS).toLocaleString()}/s (${store.commits} commits)`);
  sims.forEach((s) => s.disconnect());
  await core.stop();
  return perS;
}

/**
 * Accepting a flash order on PostgreSQL (time to commit) against the same rows inserted straight
 * through `pg`: multi-row INSERTs of 1,000 rows, in one transaction, into a copy of the table
 * with the same columns, collations and indexes (the baseline); and against one
 * INSERT ... SELECT of them (the floor of the router's own way, which never holds the rows).
 */
async function acceptOnPostgres(store: PostgresStore, config: EngineConfig, area: string): Promise<void> {
  const clock = new SystemClock();
  const core = await RouterCore.create({ store, clock, config, areas: await store.read.directory.areas() });
  const pool = store.db.pool;
  const [lo, hi] = subtreeRange(core.areas.path(area));
  const people = (await pool.query<{ id: string; area: string; area_path: string; terminals: string }>(
    'SELECT id, area, area_path, terminals FROM people WHERE area_path >= $1 AND area_path < $2', [lo, hi],
  )).rows;
  await pool.query('CREATE TABLE raw_deliveries (LIKE deliveries INCLUDING ALL)');
  const client = await pool.connect();
  const t0 = performance.now();
  await client.query('BEGIN');
  for (let i = 0; i < people.length; i += 1_000) {
    const part = people.slice(i, i + 1_000);
    const values = part.map((_, j) => `(${Array.from({ length: 10 }, (_, k) => `$${j * 10 + k + 1}`).join(', ')}, NULL, NULL, 0)`).join(', ');
    const params = part.flatMap((p) => [`o-raw:${p.id}`, 'o-raw', p.id, p.area, p.area_path, p.terminals, 0, 1, 'new', 1]);
    await client.query(`INSERT INTO raw_deliveries (id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, updated_at, machine, channel, attempt) VALUES ${values}`, params);
  }
  await client.query('COMMIT');
  const raw = performance.now() - t0;
  // The floor of what the router does (one INSERT ... SELECT from people, on the server).
  await client.query('TRUNCATE raw_deliveries');
  const t2 = performance.now();
  await client.query(
    `INSERT INTO raw_deliveries (id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, updated_at, machine, channel, attempt)
     SELECT 'o-raw:' || id, 'o-raw', id, area, area_path, terminals, 0, 1, 'new', 1, NULL, NULL, 0 FROM people WHERE area_path >= $1 AND area_path < $2`,
    [lo, hi],
  );
  const rawSelect = performance.now() - t2;
  client.release();
  await pool.query('DROP TABLE raw_deliveries');
  // Accepting only: an order service of its own starts nothing, and nobody else runs.
  const orders = core.acceptOnly();
  const t1 = performance.now();
  const a = await orders.accept(ADMIN, `accept-${area}`, spec({ to: { areas: [area] } }));
  const ours = performance.now() - t1;
  await pool.query('DELETE FROM deliveries WHERE order_id = $1', [a.orderId]);
  await pool.query('UPDATE orders SET open_count = 0 WHERE id = $1', [a.orderId]);
  results[`pgAccept_${a.deliveries}`] = { deliveries: a.deliveries, ms: ours, rawInsertMs: raw, ratio: ours / raw, rawInsertSelectMs: rawSelect, ratioToInsertSelect: ours / rawSelect };
  rows.push([`PostgreSQL: accept flash order to ${a.deliveries.toLocaleString()} people`, ms(ours), `raw multi-row inserts ${ms(raw)}`, `${(ours / raw).toFixed(2)}x (target <= 2)`]);
  rows.push(['  the same rows by one INSERT ... SELECT, nothing else', ms(ours), `raw INSERT ... SELECT ${ms(rawSelect)}`, `${(ours / rawSelect).toFixed(2)}x of its floor`]);
}

async function dropSchema(): Promise<void> {
  await withPg(PG_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`));
}

export async function clusterBench(): Promise<void> {
  const config = benchConfig();

  // `--only throughput,accept,latency,failover,followers,nodes,lanefailover` runs some parts (all by default).
  if (wanted('throughput') || wanted('accept') || wanted('latency')) await onOneNode(config);
  if (wanted('failover')) await failovers();
  if (wanted('followers')) await onFollowers();
  if (wanted('nodes')) await onNodes();
  if (wanted('lanefailover')) await onLaneFailover();

  const machine = { ...machineOf(), postgres: PG_URL.replace(/\/\/[^@]*@/, '//') };
  process.stdout.write(`\n${table(rows)}\nmachine: ${machine.cpus} cores, ${machine.memoryGB} GB, ${machine.cpu}, node ${machine.node}; PostgreSQL on the same machine\n`);
  writeResults('bench/cluster-results.json', machine, results);
}

/** One router in process: deliveries per second on SQLite and on PostgreSQL, and accepting on PostgreSQL. */
async function onOneNode(config: EngineConfig): Promise<void> {
  let onSqlite: number | null = null;
  if (wanted('throughput')) {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
    const sqlite = await SqliteStore.open(join(dir, 'bench.db'));
    await loadDirectory(sqlite, 'sqlite');
    onSqlite = await throughput(sqlite, config, 'sqlite');
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  let pg = await PostgresStore.open({ url: PG_URL, schema: SCHEMA });
  try {
    await loadDirectory(pg, 'postgres');
    if (wanted('accept')) for (const area of new Set([HUNDRED_K, CITY])) await acceptOnPostgres(pg, config, area);
    if (onSqlite !== null) {
      const onPg = await throughput(pg, config, 'postgres');
      results.throughput = { sqlitePerS: onSqlite, postgresOneNodePerS: onPg, ratio: onPg / onSqlite };
      rows.push(['deliveries to final, 1 node on PostgreSQL', `${Math.round(onPg).toLocaleString()}/s`, `1 node on SQLite ${Math.round(onSqlite).toLocaleString()}/s`, `${(onPg / onSqlite).toFixed(2)}x of SQLite`]);
      // The same node with its delivery work in lanes, each a writer of its own (engine.lanes).
      // Lane counts take turns, three rounds, and each is compared with one lane in its own round:
      // this shared machine's speed drifts by more than the effect within a run.
      const rounds: Record<number, number>[] = [];
      for (let round = 0; round < 3; round++) {
        const r: Record<number, number> = {};
        for (const lanes of [1, ...LANES]) {
          pg = await reopen(pg, lanes);
          r[lanes] = await throughput(pg, config, `postgres, ${lanes} lane${lanes > 1 ? 's' : ''}, round ${round + 1}`);
        }
        rounds.push(r);
      }
      results.throughputLanes = rounds;
      for (const lanes of LANES) {
        const ratios = rounds.map((r) => r[lanes] / r[1]);
        const median = [...ratios].sort((a, b) => a - b)[1];
        rows.push([`  the same in ${lanes} lanes (engine.lanes: ${lanes}), 3 rounds`, rounds.map((r) => `${Math.round(r[lanes]).toLocaleString()}/s`).join(', '), `1 lane ${rounds.map((r) => Math.round(r[1]).toLocaleString()).join(', ')}/s`, `median ${median.toFixed(2)}x (${ratios.map((x) => x.toFixed(2)).join(', ')})`]);
      }
    }
    if (wanted('latency')) {
      const byLanes: Record<number, FlashLatency> = {};
      for (const lanes of [1, ...LANES]) {
        pg = await reopen(pg, lanes);
        const l = (byLanes[lanes] = await latencyOn(pg, config, `postgres-${lanes}`));
        results[`flashLatencyLanes${lanes}`] = l;
        const one = byLanes[1];
        rows.push([`flash order -> first attempt during a ${l.routineInProgress.toLocaleString()}-person order, PostgreSQL, ${lanes} lane${lanes > 1 ? 's' : ''}`, `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}`, lanes === 1 ? `${l.samples} samples` : `1 lane p50 ${ms(one.p50)}, p99 ${ms(one.p99)}`, 'target p99 < 50 ms']);
      }
    }
  } finally {
    await pg.close();
    await dropSchema();
  }
}

/** Lane counts the throughput measure tries besides one. */
const LANES = [2, 4];

/** The bench's database again, as a store with `lanes` writers of the delivery work. */
async function reopen(pg: PostgresStore, lanes: number): Promise<PostgresStore> {
  await pg.close();
  return PostgresStore.open({ url: PG_URL, schema: SCHEMA, lanes });
}

async function latencyOn(store: Storage, config: EngineConfig, label: string): Promise<FlashLatency> {
  const clock = new SystemClock();
  const core = await RouterCore.create({ store, clock, config, areas: await store.read.directory.areas() });
  await core.start();
  const l = await flashLatency(store, core, clock, label);
  await core.stop();
  return l;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function failovers(): Promise<void> {
  const f = await failover(PG_URL, quick ? 6 : 20);
  results.failover = { rounds: f.takeoverMs.length, takeoverMs: f.takeoverMs, firstSendMs: f.firstSendMs };
  rows.push([`failover: SIGKILL of the active node to a standby's /health 200 (${f.takeoverMs.length} rounds)`, `p50 ${ms(pct(f.takeoverMs, 50))}`, `p99 ${ms(pct(f.takeoverMs, 99))}`, 'lease 10 s (a hung node)']);
  rows.push(['failover: SIGKILL to the first send of its work by the standby', `p50 ${ms(pct(f.firstSendMs, 50))}`, `p99 ${ms(pct(f.firstSendMs, 99))}`, 'target <= 10 s']);
}

/** A follower carrying a lane SIGKILLed: until the active node carries the lane out itself. */
async function onLaneFailover(): Promise<void> {
  const times = await laneFailover(PG_URL, process.env.LIFELINE_BENCH_NATS ?? 'nats://127.0.0.1:4222', quick ? 3 : 6);
  results.laneFailover = times;
  rows.push([`failover of a lane: SIGKILL of the follower carrying it to the active node carrying it out (${times.length} rounds)`, `p50 ${ms(pct(times, 50))}, p99 ${ms(pct(times, 99))}`, '', 'target <= 10 s (the lease)']);
}

/** 1, 2 and 3 router processes, one order of 100,000 people each time. */
async function onNodes(): Promise<void> {
  const figures = await nodesThroughput(PG_URL, process.env.LIFELINE_BENCH_NATS ?? 'nats://127.0.0.1:4222', 100_000);
  results.nodes = figures;
  const one = figures.find((f) => f.nodes === 1)!.perS;
  for (const f of figures) {
    const alone = figures.find((g) => g.nodes === f.nodes && !g.shared);
    const how = f.nodes === 1 ? '' : f.shared ? ', followers carrying lanes' : ', lanes not shared (cluster.shareLanes: false)';
    const base = f.shared && alone ? `1 node process ${Math.round(one).toLocaleString()}/s; not shared ${Math.round(alone.perS).toLocaleString()}/s` : `1 node process ${Math.round(one).toLocaleString()}/s`;
    rows.push([`deliveries to final, ${f.nodes} node process${f.nodes > 1 ? 'es' : ''} on PostgreSQL and NATS, 3 lanes${how}`, `${Math.round(f.perS).toLocaleString()}/s`, base, `${(f.perS / one).toFixed(2)}x`]);
  }
}

async function onFollowers(): Promise<void> {
  const fo = await followers(PG_URL, process.env.LIFELINE_BENCH_NATS ?? 'nats://127.0.0.1:4222', quick ? 50 : 200);
  results.followers = fo;
  rows.push([`accept a one-person flash order through a follower (${fo.acceptFollowerMs.length} orders)`, `p50 ${ms(pct(fo.acceptFollowerMs, 50))}, p99 ${ms(pct(fo.acceptFollowerMs, 99))}`, `on the active node p50 ${ms(pct(fo.acceptActiveMs, 50))}, p99 ${ms(pct(fo.acceptActiveMs, 99))}`, `${(pct(fo.acceptFollowerMs, 50) / pct(fo.acceptActiveMs, 50)).toFixed(2)}x at p50`]);
  rows.push(["an order's event on a follower's console, after the active node's 202", `p50 ${ms(pct(fo.streamLagMs, 50))}`, `p99 ${ms(pct(fo.streamLagMs, 99))}`, `poll ${1000} ms if a wake-up is lost`]);
}
