import type { Clock } from '@lifeline/clock';

/** How long a poller waits before it tries again after its write job failed (the disk full, read-only). */
export const RETRY_MS = 1_000;

/**
 * Wakes a poller at the earliest time it was asked for: an earlier ask re-arms it, a later one
 * changes nothing (the poller asks again for its next time after it ran).
 */
export class Alarm {
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
