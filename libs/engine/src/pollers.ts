import type { Clock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import type { EngineConfig } from './config';
import type { DeliveryEngine } from './delivery-engine';
import { failureLevel } from './lane-placement';
import type { Dispatcher } from './dispatcher';
import type { OrderService } from './order-service';
import type { Tasks } from './tasks';
import { RETRY_MS } from './alarm';
import { ExpirySweep } from './expiry-sweep';
import { TimerPoller } from './timer-poller';

/**
 * Starts unstarted deliveries of one engine lane's partitions, highest priority first, only as
 * fast as the dispatcher drains: a million-person order never sits in memory, and a later flash
 * order overtakes it. (Each poller here serves one lane: the rows it reads are its lane's, read
 * and written in the lane's own transaction.)
 */
export class Starter {
  running = false;
  private again = false;

  constructor(
    private readonly lane: number,
    private readonly engine: DeliveryEngine,
    private readonly dispatcher: Dispatcher,
    private readonly config: EngineConfig,
    private readonly clock: Clock,
    private readonly tasks: Tasks,
    orders: OrderService,
  ) {
    // New deliveries to start, or room for more at the dispatcher.
    orders.stored$.subscribe(() => this.kick());
    dispatcher.lowWater$.subscribe(() => this.kick());
  }

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.dispatcher.pending < this.config.dispatchHighWater) {
          const n = await this.engine.run(this.lane, { kind: 'start', limit: this.config.startBatch });
          if (n < this.config.startBatch) break;
        }
      } while (this.again);
    } catch (e) {
      this.tasks.log[failureLevel(e)]('starting deliveries failed: trying again', { err: (e as Error).message });
      this.clock.schedule(this.clock.now() + RETRY_MS, () => !this.tasks.stopped && this.kick());
    } finally {
      this.running = false;
    }
  }
}

/** The pollers of every engine lane (one lane on SQLite): each reads and writes its lane's partitions. */
export class LanePollers {
  private readonly starters: Starter[];
  private readonly timers: TimerPoller[];
  private readonly sweeps: ExpirySweep[];

  constructor(engine: DeliveryEngine, dispatcher: Dispatcher, store: Storage, config: EngineConfig, clock: Clock, tasks: Tasks, orders: OrderService) {
    const lanes = engine.lanes.map((_, i) => i);
    this.starters = lanes.map((i) => new Starter(i, engine, dispatcher, config, clock, tasks, orders));
    this.timers = lanes.map((i) => new TimerPoller(i, engine, store, clock, config.eventBatch, tasks));
    this.sweeps = lanes.map((i) => new ExpirySweep(i, engine, store, clock, config.eventBatch, tasks, orders));
  }

  /** Starting deliveries or firing timers, on some lane. */
  get running(): boolean {
    return this.starters.some((s) => s.running) || this.timers.some((t) => t.running);
  }

  kickStarters(): void {
    for (const s of this.starters) s.kick();
  }

  /**
   * Lane `lane`'s timers and expiries looked at now: a job that committed on another node whose
   * answer was lost may have armed a timer this node never heard of.
   */
  wake(lane: number, now: number): void {
    this.timers[lane].consider(now);
    this.sweeps[lane].consider(now);
  }

  /** Fires every timer due now, then waits for the next one (start-up's overdue work). */
  async fireDue(): Promise<void> {
    await Promise.all(this.timers.map((t) => t.fireDue()));
  }

  /** Expires the unstarted deliveries past their deadline, then waits for the next one. */
  async sweep(): Promise<void> {
    await Promise.all(this.sweeps.map((s) => s.run()));
  }

  stop(): void {
    for (const t of this.timers) t.stop();
    for (const s of this.sweeps) s.stop();
  }
}
