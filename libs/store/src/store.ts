import { AttemptRepo } from './attempt.repo';
import { AuditRepo } from './audit.repo';
import { ChannelStateRepo } from './channel-state.repo';
import { Database } from './database';
import { DeliveryRepo } from './delivery.repo';
import { DirectoryRepo } from './directory.repo';
import { EventRepo } from './event.repo';
import { MetaRepo } from './meta.repo';
import { MissionRepo } from './mission.repo';
import { OrderRepo } from './order.repo';
import { OutageRepo } from './outage.repo';
import { TimerRepo } from './timer.repo';
import { TokenRepo } from './token.repo';
import {
  asAsync,
  type AttemptStore,
  type AuditStore,
  type ChannelStateStore,
  type DeliveryStore,
  type DirectoryStore,
  type EventStore,
  type MetaStore,
  type MissionStore,
  type OrderStore,
  type OutageStore,
  type Repositories,
  type Storage,
  type TimerStore,
  type TokenStore,
} from './port';
import { Writer } from './writer';

/**
 * The SQLite implementation of the store port (`Storage`): repositories over one connection and
 * its single writer. The engine and the apps use `read` and `write` (asynchronous, as the port
 * is); the synchronous repositories below are this implementation's own, for SQLite's tools and
 * tests (`writeSync`, the digest, the bench's raw baseline).
 */
export class Store implements Storage {
  readonly directory: DirectoryRepo;
  readonly orders: OrderRepo;
  readonly deliveries: DeliveryRepo;
  readonly attempts: AttemptRepo;
  readonly events: EventRepo;
  readonly timers: TimerRepo;
  readonly tokens: TokenRepo;
  readonly meta: MetaRepo;
  readonly outages: OutageRepo;
  readonly missions: MissionRepo;
  readonly audit: AuditRepo;
  readonly channelStates: ChannelStateRepo;
  readonly writer: Writer;
  /** The port's view: every repository answering with promises (the same connection, so inside a write job it sees the job's writes). */
  readonly read: Repositories;

  private constructor(readonly db: Database) {
    const sql = db.sql;
    this.directory = new DirectoryRepo(sql);
    this.orders = new OrderRepo(sql);
    this.deliveries = new DeliveryRepo(sql);
    this.attempts = new AttemptRepo(sql);
    this.events = new EventRepo(sql);
    this.timers = new TimerRepo(sql);
    this.tokens = new TokenRepo(sql);
    this.meta = new MetaRepo(sql);
    this.outages = new OutageRepo(sql);
    this.missions = new MissionRepo(sql);
    this.audit = new AuditRepo(sql);
    this.channelStates = new ChannelStateRepo(sql);
    this.writer = new Writer(sql);
    this.read = {
      directory: asAsync<DirectoryStore>(this.directory),
      orders: asAsync<OrderStore>(this.orders),
      deliveries: asAsync<DeliveryStore>(this.deliveries),
      attempts: asAsync<AttemptStore>(this.attempts),
      events: asAsync<EventStore>(this.events),
      timers: asAsync<TimerStore>(this.timers),
      tokens: asAsync<TokenStore>(this.tokens),
      meta: asAsync<MetaStore>(this.meta),
      outages: asAsync<OutageStore>(this.outages),
      missions: asAsync<MissionStore>(this.missions),
      audit: asAsync<AuditStore>(this.audit),
      channelStates: asAsync<ChannelStateStore>(this.channelStates),
    };
  }

  static async open(path: string): Promise<Store> {
    return new Store(await Database.open({ path }));
  }

  /** A write job: runs in the single writer's next transaction; settles after commit. */
  write<T>(job: (tx: Repositories) => Promise<T> | T, urgent = false): Promise<T> {
    return this.writer.write(() => job(this.read), urgent);
  }

  /** A write job on the synchronous repositories and SQL of this implementation (tools, tests). */
  writeSync<T>(job: (store: Store) => T, urgent = false): Promise<T> {
    return this.writer.write(() => job(this), urgent);
  }

  get pendingWrites(): number {
    return this.writer.pending;
  }

  get commits(): number {
    return this.writer.batches;
  }

  get commitFailure(): { reason: string } | null {
    return this.writer.failure;
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.db.close();
  }
}
