import { Subject } from 'rxjs';
import type { EventFrame } from '@lifeline/contracts';
import type { Repositories, Storage } from '@lifeline/store';

/** A committed event, with the area it concerns so consoles see only their scope. */
export interface BusEvent {
  frame: EventFrame;
  areaPath: string | null;
}

/** Carries committed events to live subscribers; the events table stays the record. */
export class EventBus {
  readonly events$ = new Subject<BusEvent>();

  publish(events: readonly BusEvent[]): void {
    for (const e of events) this.events$.next(e);
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
