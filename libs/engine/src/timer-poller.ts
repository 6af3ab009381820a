import type { Clock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import { Alarm, RETRY_MS } from './alarm';
import type { DeliveryEngine } from './delivery-engine';
import { failureLevel } from './lane-placement';
import type { Tasks } from './tasks';

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
