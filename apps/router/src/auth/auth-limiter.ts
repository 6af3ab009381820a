

export interface AuthLimits {
  /** Failed authentications an address may make in a window before it gets 429. */
  failures: number;
  windowS: number;
  /** Addresses tracked at once; the oldest are forgotten first (a bound on memory under attack). */
  maxAddresses: number;
}

/**
 * Failed authentications per client address, in fixed windows. Only failures are counted and
 * only failures are refused: a valid token is never slowed, even from an address that is also
 * sending bad ones (a command centre behind one NAT address). A few lines on the router's own
 * clock, rather than a rate-limit package: it must run on virtual time in tests and guard both
 * HTTP requests and WebSocket upgrades, which no Express middleware sees.
 */
export class AuthLimiter {
  /** The quietest addresses are forgotten first: a flood of addresses cannot grow memory. */
  private readonly windows: BoundedMap<string, { start: number; count: number }>;

  constructor(
    private readonly clock: Clock,
    private readonly limits: AuthLimits,
  ) {
    this.windows = new BoundedMap(limits.maxAddresses);
  }

  /**
   * Records a failed authentication from `address`. Returns the seconds to wait (for
   * `Retry-After`) once the address is past its limit in this window, else 0.
   */
  fail(address: string): number {
    const now = this.clock.now();
    const windowMs = this.limits.windowS * 1000;
    let w = this.windows.get(address);
    if (!w || now - w.start >= windowMs) {
      this.windows.delete(address);
      w = { start: now, count: 0 };
      this.windows.set(address, w); // newest last: the first to go is the one whose window began first
    }
    w.count++;
    return w.count > this.limits.failures ? Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)) : 0;
  }
}import type { Clock } from '@lifeline/clock';
import { BoundedMap } from '@lifeline/domain';

