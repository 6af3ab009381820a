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
import { Writer } from './writer';

/** The store as the engine sees it: repositories over one connection and its single writer. */
export class Store {
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
    this.writer = new Writer(sql, () => this.events.resync());
  }

  static async open(path: string): Promise<Store> {
    return new Store(await Database.open({ path }));
  }

  /** A write job: runs in the single writer's next transaction; settles after commit. */
  write<T>(fn: (store: Store) => T, urgent = false): Promise<T> {
    return this.writer.write(() => fn(this), urgent);
  }

  async close(): Promise<void> {
    this.writer.close();
    await this.db.close();
  }
}
