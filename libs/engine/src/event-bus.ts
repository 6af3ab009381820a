import type { Clock } from '@lifeline/clock';
import { Subject } from 'rxjs';
import type { EventFrame } from '@lifeline/contracts';
import type { EventStore, Repositories, Storage } from '@lifeline/store';

/** A committed event, with the area it concerns so consoles see only their scope. */
export interface BusEvent {
  frame: EventFrame;
  areaPath: string | null;
}

/** How long a hole in the seqs may wait for its commit's answer before it is read from the table. */
const HOLE_MS = 1_000;
const FILL_PAGE = 1_000;

/** Where an ordered bus starts, and where it reads what no writer of this process handed it. */
export interface BusOrder {
  /** The seq of the next event to commit (the highest committed, plus one). */
  next: number;
  events: Pick<EventStore, 'since'>;
  clock: Clock;
}

/**
 * Carries committed events to live subscribers; the events table stays the record. With several
 * lanes writing at once (`order`), commits are answered in any order though their seqs follow
 * commit order: the bus then hands events out in seq order (`SeqOrder`). With one writer, commits
 * are answered in order and events pass straight on.
 */
export class EventBus {
  readonly events$ = new Subject<BusEvent>();
  private readonly inOrder: SeqOrder | null;

  constructor(order: BusOrder | null = null) {
    this.inOrder = order && new SeqOrder(order, (e) => this.events$.next(e));
  }

  publish(events: readonly BusEvent[]): void {
    if (this.inOrder) this.inOrder.add(events);
    else for (const e of events) this.events$.next(e);
  }
}

/**
 * Events handed out in seq order from `order.next` on: those after a hole are held until the
 * hole's commit is answered, and a hole that stays open (a commit whose answer was lost) is read
 * from the table.
 */
class SeqOrder {
  private next: number;
  private readonly held = new Map<number, BusEvent>();
  private cancelFill: (() => void) | null = null;

  constructor(
    private readonly order: BusOrder,
    private readonly emit: (e: BusEvent) => void,
  ) {
    this.next = order.next;
  }

  add(events: readonly BusEvent[]): void {
    for (const e of events) if (e.frame.seq >= this.next) this.held.set(e.frame.seq, e);
    this.release();
  }

  private release(): void {
    for (let e = this.held.get(this.next); e; e = this.held.get(this.next)) {
      this.held.delete(this.next++);
      this.emit(e);
    }
    if (!this.held.size) {
      this.cancelFill?.();
      this.cancelFill = null;
    } else if (!this.cancelFill) {
      const { clock } = this.order;
      const at = this.next;
      this.cancelFill = clock.schedule(clock.now() + HOLE_MS, () => {
        this.cancelFill = null;
        void this.fill(at);
      });
    }
  }

  /**
   * The hole at `at` is still open: its events are committed (later seqs are), so read them. A
   * seq the table does not have while a later one is there will never come (seqs are taken in
   * commit order, and a rollback gives its numbers back): it is passed over, not waited for.
   */
  private async fill(at: number): Promise<void> {
    if (this.next !== at) return this.release();
    const first = Math.min(...this.held.keys());
    try {
      const rows = await this.order.events.since(at - 1, Math.min(first - at, FILL_PAGE));
      if (this.next === at) this.next = Math.min(rows[0]?.seq ?? first, first);
      this.add(rows.map((e) => ({ frame: { ...e.payload, seq: e.seq } as EventFrame, areaPath: e.areaPath })));
    } catch {
      this.release(); // the database out of reach: try again after another wait
    }
  }
}

/** An event that is not part of a delivery's step: a channel change, a relay request. */
export interface StandaloneEvent {
  type: string;
  areaPath: string | null;
  fields: Record<string, unknown>;
}

/**
 * Stores standalone events in one write job, all stamped `at`, with any `rows` they speak of, and
 * publishes them after commit: like receipts, nobody hears of an event the events table does not hold.
 */
export async function recordEvents(
  store: Storage,
  bus: EventBus,
  at: number,
  events: readonly StandaloneEvent[],
  rows?: (tx: Repositories) => Promise<unknown>,
): Promise<void> {
  if (!events.length && !rows) return;
  const iso = new Date(at).toISOString();
  const frames = await store.write(async (tx) => {
    await rows?.(tx);
    const payloads = events.map((e) => ({ type: e.type, ...e.fields, at: iso }));
    const seqs = await tx.events.appendMany(events.map((e, i) => ({ type: e.type, at, orderId: null, areaPath: e.areaPath, payload: payloads[i] })));
    return events.map((e, i) => ({ frame: { ...payloads[i], seq: seqs[i] } as EventFrame, areaPath: e.areaPath }));
  });
  bus.publish(frames);
}
