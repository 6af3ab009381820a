/**
 * The router's time as the console last saw it. Relay times (arrival, leaving) are the router's;
 * "time left" must be counted on its clock, not the browser's, which may be set wrong (or, in
 * a drill on virtual time, be hours apart). Every event frame carries `at`: the router's now is
 * at least the latest of them, so the console keeps the largest offset seen.
 */
export class RouterClock {
  private offset: number | null = null;

  constructor(private readonly local: () => number = Date.now) {}

  /** An event's `at` (ISO time) as it arrives. */
  saw(at: string): void {
    const ms = Date.parse(at);
    if (!Number.isFinite(ms)) return;
    const d = ms - this.local();
    this.offset = this.offset === null ? d : Math.max(this.offset, d);
  }

  now(): number {
    return this.local() + (this.offset ?? 0);
  }
}

/** Whole minutes from `now` until `until` (ISO time), rounded up; 0 once passed. */
export function minutesLeft(until: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(until) - now) / 60_000));
}
