
import type { Clock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import type { EngineConfig } from './config';
import type { DeliveryEngine } from './delivery-engine';
import { failureLevel } from './lane-placement';
import type { Dispatcher } from './dispatcher';
import type { OrderService } from './order-service';
import type { Tasks } from './tasks';

/** How long a poller waits before it tries again after its write job failed (the disk full, read-only). */
const RETRY_MS = 1_000;

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

/**
 * Wakes a poller at the earliest time it was asked for: an earlier ask re-arms it, a later one
 * changes nothing (the poller asks again for its next time after it ran).
 */
class Alarm {
  private nextAt = Infinity;
  private cancel: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly ring: () => void,
  ) {}

  at(at: number): void {
    if (this.stopped || at >= this.nextAt || !Number.isFinite(at)) return;
    this.cancel?.();
    this.nextAt = at;
    this.cancel = this.clock.schedule(at, () => {
      this.cancel = null;
      this.nextAt = Infinity;
      this.ring();
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }
}

/** Fires due timer rows of one lane as TIMER_FIRED events; the rows, not memory, are the record. */
export class TimerPoller {
  running = false;
  private readonly alarm: Alarm;
  private readonly partitions: readonly number[] | null;

  constructor(
    private readonly lane: number,
    private readonly engine: DeliveryEngine,
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly batch: number,
    private readonly tasks: Tasks,
  ) {
    this.partitions = engine.lanes[lane].partitions;
    this.alarm = new Alarm(clock, () => void this.fire());
    // A committed job armed timers (maybe of another lane: a wake that finds none due costs a read).
    engine.committed$.subscribe((out) => out.timersArmed !== null && this.consider(out.timersArmed));
  }

  /** A timer is due at `at`: make sure the poller wakes by then. */
  consider(at: number): void {
    this.alarm.at(at);
  }

  /** Fires every timer due now, page by page; resolves when none is left (start-up's overdue work). */
  fireDue(): Promise<void> {
    return this.fire();
  }

  private async fire(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const n = await this.engine.run(this.lane, { kind: 'timers', limit: this.batch });
        if (n < this.batch) break;
      }
      const next = await this.store.read.timers.nextDue(this.partitions);
      if (next !== null) this.consider(next);
    } catch (e) {
      // The due rows stay where they are: the next try fires them.
      this.tasks.log[failureLevel(e)]('firing timers failed: trying again', { err: (e as Error).message });
      this.consider(this.clock.now() + RETRY_MS);
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.alarm.stop();
  }
}

/**
 * Expires unstarted deliveries whose time to live ran out (they still need their final receipt).
 * It wakes at the earliest deadline among them, not on a fixed beat: the starter normally starts
 * deliveries long before, so most of the time there is nothing to wait for.
 */
export class ExpirySweep {
  private readonly alarm: Alarm;
  private stopped = false;
  private readonly partitions: readonly number[] | null;

  constructor(
    private readonly lane: number,
    private readonly engine: DeliveryEngine,
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly batch: number,
    private readonly tasks: Tasks,
    orders: OrderService,
  ) {
    this.partitions = engine.lanes[lane].partitions;
    this.alarm = new Alarm(clock, () => void this.run());
    orders.stored$.subscribe((o) => this.consider(o.expiresAt));
  }

  /** Expires what is due now, page by page, then waits for the next deadline. */
  async run(): Promise<void> {
    try {
      for (;;) {
        const n = await this.engine.run(this.lane, { kind: 'expire', limit: this.batch });
        if (n < this.batch || this.stopped) break;
      }
      this.consider((await this.store.read.deliveries.nextNewExpiry(this.partitions)) ?? Infinity);
    } catch (e) {
      this.tasks.log[failureLevel(e)]('expiring deliveries failed: trying again', { err: (e as Error).message });
      this.consider(this.clock.now() + RETRY_MS);
    }
  }

  /** An unstarted delivery expires at `at`: make sure the sweep wakes by then. */
  consider(at: number): void {
    this.alarm.at(at);
  }

  stop(): void {
    this.stopped = true;
    this.alarm.stop();
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
