import type { DeliveryEvent } from '@lifeline/machines';

type WithoutAvailable<E> = E extends { available: string[] } ? Omit<E, 'available'> : E;
/** What callers hand the engine; it adds `available` from the channel map when it applies it. */
export type EngineEvent = WithoutAvailable<DeliveryEvent>;

/** An event for one delivery, as submitted to the engine. */
export interface EngineItem {
  deliveryId: string;
  event: EngineEvent;
  /** Called once the job that applied it is over: committed, or failed and queued again to retry. */
  tried?: () => void;
}
