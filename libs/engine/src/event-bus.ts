import { Subject } from 'rxjs';
import type { EventFrame } from '@lifeline/contracts';

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
