import { VirtualClock } from '@lifeline/clock';
import { SILENT_LOG } from '@lifeline/domain';
import { type OrderPreview, type RouterCore, type Principal } from '@lifeline/engine';
import type { Storage } from '@lifeline/store';
import type { SimulatedGateway } from '@lifeline/channels';
import type { OrderSpec } from '@lifeline/domain';
import { loadConfig } from '../../apps/router/src/config/load-config';
import type { Config } from '../../apps/router/src/config/config.schema';
import { Lifeline, type LifelineOptions } from '../../apps/router/src/lifeline';
import { TEST_LANES, testDatabase } from './test-store';

export const ADMIN: Principal = { id: 'test-admin', role: 'admin', areas: null, channel: null };

export interface Harness {
  core: RouterCore;
  /** What an order would reach and carry (the console's preview). */
  preview: OrderPreview;
  /** SQLite, or PostgreSQL in the postgres jest project. */
  store: Storage;
  clock: VirtualClock;
  sims: Map<string, SimulatedGateway>;
  config: Config;
  advance(ms: number): Promise<void>;
  order(spec: Partial<OrderSpec> & Pick<OrderSpec, 'to'>, clientRef?: string): ReturnType<RouterCore['orders']['accept']>;
  /** The stored events of one type, oldest first: the record a console would replay. */
  events<T = Record<string, unknown>>(type: string): Promise<(T & { seq: number })[]>;
  close(): Promise<void>;
}

let refs = 0;

/** Simulated gateways that lose nothing, for tests that count exact outcomes. */
export const noLoss = (c: Config) => c.channels.forEach((ch) => (ch.simulator.loss = 0));

/**
 * The medium tier: the real engine and store (SQLite, or PostgreSQL in the postgres project),
 * simulated gateways, virtual time. `db` names a database a later harness may open again.
 */
export async function harness(o: { db?: string; tweak?: (c: Config) => void; simulators?: string[]; clockAt?: number; directory?: LifelineOptions['directory'] } = {}): Promise<Harness> {
  const config = loadConfig('config/default.yaml');
  config.engine.lanes = TEST_LANES; // several writers at once on PostgreSQL (SQLite has one)
  o.tweak?.(config);
  const clock = new VirtualClock(o.clockAt); // a restart goes on from where time was
  const simulators = (o.simulators ?? config.channels.map((c) => c.id)).join(',') || 'none';
  const db = testDatabase(o.db);
  const lifeline = await Lifeline.create({ config, database: db.database, schema: db.schema, clock, simulators, directory: o.directory, log: process.env.TEST_LOG ? { info: () => {}, warn: console.warn, error: console.error } : SILENT_LOG });
  const { core, store, sims } = lifeline;
  const settle = () => core.settle();
  await settle();
  return {
    core,
    preview: lifeline.preview,
    store,
    clock,
    sims,
    config,
    advance: (ms) => clock.advance(ms, settle),
    order: (spec, clientRef = `t-${++refs}`) =>
      core.orders.accept(ADMIN, clientRef, { priority: 'immediate', body: '台风即将登陆，请立即组织人员转移。', ackRequired: false, ackWithinS: 600, ttlS: 3600, ...spec }),
    events: async <T,>(type: string) =>
      (await store.read.events.since(0, 100_000)).filter((e) => e.type === type).map((e) => ({ ...(e.payload as T), seq: e.seq })),
    close: async () => {
      await lifeline.stop();
      await db.drop();
    },
  };
}
