import { initialTransition, transition } from 'xstate';
import type { DeliveryStatus } from '@lifeline/domain';
import { DELIVERY_MACHINE_VERSION, deliveryMachine, type DeliveryStateValue } from './delivery.machine';
import type { DeliveryContext, DeliveryEvent, DeliveryInput, DeliveryIntent } from './delivery.types';

/** What storage keeps of a delivery's machine: plain JSON, small enough for a million rows. */
export interface StoredDelivery {
  version: number;
  value: DeliveryStateValue;
  context: DeliveryContext;
}

export interface Step {
  stored: StoredDelivery;
  intents: DeliveryIntent[];
  /** False when the event changed nothing (stale timer, duplicate receipt, final delivery). */
  changed: boolean;
}

const INTENT_TYPES = new Set(['dispatch', 'armTimer', 'cancelTimers', 'receipt']);

function toIntents(actions: readonly { type: string; params?: unknown }[]): DeliveryIntent[] {
  return actions
    .filter((a) => INTENT_TYPES.has(a.type))
    .map((a) => ({ type: a.type, params: a.params ?? {} }) as DeliveryIntent);
}

export function createDelivery(input: DeliveryInput): StoredDelivery {
  const [snapshot] = initialTransition(deliveryMachine, input);
  return { version: DELIVERY_MACHINE_VERSION, value: snapshot.value as DeliveryStateValue, context: snapshot.context };
}

/** One pure step: stored snapshot + event -> next snapshot + intents. */
export function stepDelivery(stored: StoredDelivery, event: DeliveryEvent): Step {
  if (stored.version !== DELIVERY_MACHINE_VERSION)
    throw new Error(`delivery snapshot version ${stored.version} is not ${DELIVERY_MACHINE_VERSION}`);
  // A restored snapshot does not know it is done, so final states are guarded here.
  if (isFinalValue(stored.value)) return { stored, intents: [], changed: false };
  const snapshot = deliveryMachine.resolveState({ value: stored.value, context: stored.context });
  const [next, actions] = transition(deliveryMachine, snapshot, event);
  if (next === snapshot) return { stored, intents: [], changed: false };
  return {
    stored: { version: DELIVERY_MACHINE_VERSION, value: next.value as DeliveryStateValue, context: next.context },
    intents: toIntents(actions),
    changed: true,
  };
}

const STATUS_OF: Record<DeliveryStateValue, DeliveryStatus | null> = {
  new: null,
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  done: 'delivered',
  acknowledged: 'acknowledged',
  unanswered: 'unanswered',
  expired: 'expired',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function statusOf(value: DeliveryStateValue): DeliveryStatus | null {
  return STATUS_OF[value];
}

const FINAL_VALUES = new Set(
  Object.entries(deliveryMachine.states)
    .filter(([, node]) => node.type === 'final')
    .map(([key]) => key),
);

export function isFinalValue(value: DeliveryStateValue): boolean {
  return FINAL_VALUES.has(value);
}
