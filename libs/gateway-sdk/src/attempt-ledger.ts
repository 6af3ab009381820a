import type { GatewayFrame } from '@lifeline/contracts';

type Outcome = Extract<GatewayFrame, { type: 'accepted' | 'delivered' | 'failed' }>;
type Phase = 'pending' | 'accepted' | 'delivered' | 'failed';

interface Entry {
  phase: Phase;
  failure?: { permanent: boolean; reason: string };
}

/** What to do with a `send` from the router. */
export type Admission =
  | { kind: 'new' }
  /** Already being transmitted: the answer will come; transmit nothing twice. */
  | { kind: 'pending' }
  /** Already answered: say it again (the router lost it or resent after a reconnect). */
  | { kind: 'known'; frames: Outcome[] }
  /** More sends in hand than the window the gateway announced. */
  | { kind: 'over-window' };

/**
 * Every attempt a gateway was handed and how far it got. It makes at-least-once from the router
 * safe for any adapter (a repeated attempt is answered, never transmitted twice), keeps the
 * window honest, and turns an adapter's reports into frames in an order the router accepts:
 * `delivered` implies `accepted`, nothing follows a final answer.
 */
export class AttemptLedger {
  private readonly entries = new Map<string, Entry>();
  private pendingCount = 0;

  constructor(
    private readonly window: number,
    /** Settled attempts remembered for repeats; the oldest are forgotten past this. */
    private readonly memory = 50_000,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  admit(attemptId: string): Admission {
    const e = this.entries.get(attemptId);
    if (e) return e.phase === 'pending' ? { kind: 'pending' } : { kind: 'known', frames: this.replay(attemptId, e) };
    if (this.pendingCount >= this.window) return { kind: 'over-window' };
    this.entries.set(attemptId, { phase: 'pending' });
    this.pendingCount++;
    this.forgetOld();
    return { kind: 'new' };
  }

  /** The gateway took the message (e.g. the SMS centre's submit_sm_resp). */
  accept(attemptId: string): Outcome[] {
    const e = this.entries.get(attemptId);
    if (!e || e.phase !== 'pending') return [];
    this.settle(e, 'accepted');
    return [{ type: 'accepted', attemptId }];
  }

  /** The terminal confirmed it; an attempt not yet accepted is accepted first. */
  deliver(attemptId: string): Outcome[] {
    const e = this.entries.get(attemptId);
    if (!e) return this.recovered(attemptId, { type: 'delivered', attemptId });
    if (e.phase === 'delivered' || e.phase === 'failed') return [];
    const before = e.phase === 'pending' ? this.accept(attemptId) : [];
    e.phase = 'delivered';
    return [...before, { type: 'delivered', attemptId }];
  }

  fail(attemptId: string, permanent: boolean, reason: string): Outcome[] {
    const e = this.entries.get(attemptId);
    if (!e) return this.recovered(attemptId, { type: 'failed', attemptId, permanent, reason: reason.slice(0, 500) });
    if (e.phase === 'delivered' || e.phase === 'failed') return [];
    if (e.phase === 'pending') this.pendingCount--;
    e.phase = 'failed';
    e.failure = { permanent, reason: reason.slice(0, 500) };
    return [{ type: 'failed', attemptId, permanent, reason: e.failure.reason }];
  }

  phase(attemptId: string): Phase | undefined {
    return this.entries.get(attemptId)?.phase;
  }

  /**
   * A receipt for an attempt this process never handed out: sent before an adapter restart and
   * found again through its durable keys. It is said (the router ignores what it no longer
   * waits for), a delivery after the acceptance that the old link carried, and remembered, so a
   * repeat of the attempt is answered from here.
   */
  private recovered(attemptId: string, frame: Outcome): Outcome[] {
    this.entries.set(attemptId, frame.type === 'failed' ? { phase: 'failed', failure: { permanent: frame.permanent, reason: frame.reason } } : { phase: 'delivered' });
    this.forgetOld();
    return frame.type === 'delivered' ? [{ type: 'accepted', attemptId }, frame] : [frame];
  }

  private settle(e: Entry, phase: Phase): void {
    if (e.phase === 'pending') this.pendingCount--;
    e.phase = phase;
  }

  private replay(attemptId: string, e: Entry): Outcome[] {
    if (e.phase === 'failed') return [{ type: 'failed', attemptId, ...e.failure! }];
    const frames: Outcome[] = [{ type: 'accepted', attemptId }];
    if (e.phase === 'delivered') frames.push({ type: 'delivered', attemptId });
    return frames;
  }

  private forgetOld(): void {
    if (this.entries.size <= this.memory) return;
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.memory) break;
      if (e.phase !== 'pending') this.entries.delete(id);
    }
  }
}
