import type { Clock } from '@lifeline/clock';
import type { EngineItem } from './engine-item';
import { failureLevel, LaneUnavailable } from './lane-placement';
import { storageRetryMs } from './storage-retry';
import type { Tasks } from './tasks';

/**
 * One writer's queue of engine events: what was submitted for the deliveries of its partitions,
 * applied batch after batch, each batch one write job on the lane's writer. A batch whose job
 * fails (a commit refused: the disk full, the database read-only) goes back to the head of the
 * queue and is tried again after a back-off, so no gateway's word is lost while storage is
 * failing; /health says why meanwhile. Lanes apply at the same time, one job each.
 */
export class EngineLane {
  private queue: EngineItem[] = [];
  /** Starts of flash and immediate orders: applied before anything else waiting. */
  private urgent: EngineItem[] = [];
  private running = false;
  private waiters: (() => void)[] = [];
  /** Failed jobs in a row, and whether a retry is waiting. */
  private failures = 0;
  private retrying = false;

  constructor(
    /** The partitions this lane writes (null: all of them, the only lane). */
    readonly partitions: readonly number[] | null,
    /** Applies a batch in one write job on this lane's writer; rejects when the job failed. */
    private readonly apply: (batch: EngineItem[], urgent: boolean) => Promise<unknown>,
    private readonly batchSize: number,
    private readonly clock: Clock,
    private readonly tasks: Tasks,
  ) {}

  submit(items: readonly EngineItem[], urgent: boolean): void {
    (urgent ? this.urgent : this.queue).push(...items);
    if (!this.retrying) void this.pump();
    // Storage is failing: no job is tried before the back-off ends, and none of these is waited on.
    else for (const i of items) i.tried?.();
  }

  /** Events waiting to be applied. */
  get queued(): number {
    return this.queue.length + this.urgent.length;
  }

  /** Applying or about to: not while it waits out a back-off after failed commits. */
  get busy(): boolean {
    return this.running || (!this.retrying && (this.queue.length > 0 || this.urgent.length > 0));
  }

  /** Resolves when nothing is to be done now (everything applied, or waiting out a back-off). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** Resolves when everything submitted has been applied and committed, through retries. */
  async drained(): Promise<void> {
    while (this.running || this.retrying || this.queue.length || this.urgent.length) await new Promise<void>((r) => this.waiters.push(r));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.urgent.length || this.queue.length) {
        const urgent = this.urgent.length > 0;
        const batch = (urgent ? this.urgent : this.queue).splice(0, this.batchSize);
        try {
          await this.apply(batch, urgent);
          this.failures = 0;
        } catch (e) {
          (urgent ? this.urgent : this.queue).unshift(...batch);
          // The node carrying the lane out failed: the lane comes back here, try again at once (once).
          const delayMs = e instanceof LaneUnavailable && this.failures === 0 ? 0 : storageRetryMs(this.failures);
          this.failures++;
          this.tasks.log[failureLevel(e)](`engine job failed: trying again in ${delayMs} ms`, { err: (e as Error).message, events: batch.length });
          this.retrying = true;
          this.clock.schedule(this.clock.now() + delayMs, () => {
            this.retrying = false;
            if (!this.tasks.stopped) void this.pump();
          });
          break;
        } finally {
          for (const i of batch) i.tried?.();
        }
      }
    } finally {
      this.running = false;
      const w = this.waiters;
      this.waiters = [];
      w.forEach((r) => r());
    }
  }
}
