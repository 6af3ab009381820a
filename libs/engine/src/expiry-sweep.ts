import type { Clock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import { Alarm, RETRY_MS } from './alarm';
import type { DeliveryEngine } from './delivery-engine';
import { failureLevel } from './lane-placement';
import type { OrderService } from './order-service';
import type { Tasks } from './tasks';

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
