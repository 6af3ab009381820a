import { createActor, type AnyActorScope } from 'xstate';
import type { DeliveryStatus } from '@lifeline/domain';
import { DELIVERY_MACHINE_VERSION, deliveryMachine, initialContext, type DeliveryStateMeta, type DeliveryStateValue } from './delivery.machine';
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

const INTENT_TYPES = new Set(['dispatch', 'armTimer', 'cancelTimers', 'receipt', 'attempt']);

/**
 * XState's `transition(machine, snapshot, event)` builds a throw-away actor on every call, and that
 * constructor computes a whole initial snapshot: most of a step's cost. The machine has no child
 * actors and no side effects, so one inert scope serves every step; this is what `transition()`
 * does, minus the rebuilding. It leans on XState's internals (the scope's shape), so xstate is
 * pinned to an exact version in package.json, and `delivery.runner.spec.ts` checks, event by event,
 * that both give the same snapshots and actions: an upgrade that changes them fails there.
 */
const scope = (() => {
  const self = createActor(deliveryMachine, {
    input: { channels: [], terminalOf: {}, ackRequired: false, ackWithinMs: 0, expiresAt: 0, retryBaseMs: 0, retryMaxMs: 0 },
  });
  let collect: (a: unknown) => void = () => {};
  const s = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (a: unknown) => collect(a),
  } as unknown as AnyActorScope;
  return {
    run<T>(fn: (scope: AnyActorScope) => T): [T, { type: string; params?: unknown }[]] {
      const actions: { type: string; params?: unknown }[] = [];
      collect = (a) => actions.push(a as { type: string; params?: unknown });
      try {
        return [fn(s), actions];
      } finally {
        collect = () => {};
      }
    },
  };
})();

/** `transition(deliveryMachine, snapshot, event)`, with the shared inert scope. */
export function deliveryTransition(snapshot: ReturnType<typeof deliveryMachine.resolveState>, event: DeliveryEvent) {
  return scope.run((sc) => deliveryMachine.transition(snapshot, event, sc));
}

function toIntents(actions: readonly { type: string; params?: unknown }[]): DeliveryIntent[] {
  return actions
    .filter((a) => INTENT_TYPES.has(a.type) && a.params !== null) // null: no such attempt to speak of
    .map((a) => ({ type: a.type, params: a.params ?? {} }) as DeliveryIntent);
}

/** `new` has no entry actions, so a new delivery is its initial context; no machine run needed. */
export function createDelivery(input: DeliveryInput): StoredDelivery {
  return { version: DELIVERY_MACHINE_VERSION, value: NOT_STARTED, context: initialContext(input) };
}

type Snapshot = ReturnType<typeof deliveryMachine.resolveState>;

/**
 * The snapshot a stored object was made from, kept on the object under a symbol (JSON skips it):
 * a delivery stepped again soon (accepted, then delivered) skips restoring. Stored objects are
 * never mutated, so the pairing cannot go stale; a stored object from JSON simply has none.
 * A symbol rather than a WeakMap: a million-entry WeakMap made GC's ephemeron work a visible cost.
 */
const SNAPSHOT = Symbol('snapshot');
type WithSnapshot = StoredDelivery & { [SNAPSHOT]?: Snapshot };

/**
 * Snapshots of earlier machine versions, brought to this one, step by step.
 * - 1 to 2: version 1 did not record whether an attempt was ever accepted: one that is `sent`,
 *   reached, or past its first attempt counts as sent (lenient: an answer from someone who may
 *   have seen the order is not thrown away).
 * - 2 to 3: the states `delivered` (waiting for an answer) and `done` (delivered, final) are now
 *   `awaitingAnswer` and `delivered`; the attempt out at a gateway is recorded (`openAttempt`).
 */
export function upgradeStored(stored: StoredDelivery): StoredDelivery {
  let s = stored as { version: number; value: string; context: Record<string, unknown> & DeliveryContext };
  if (s.version === DELIVERY_MACHINE_VERSION) return stored;
  if (s.version === 1) {
    const c = s.context;
    s = { version: 2, value: s.value, context: { ...c, sent: c.reached || s.value === 'sent' || c.attempt > 1 } };
  }
  if (s.version === 2) {
    const value = s.value === 'delivered' ? 'awaitingAnswer' : s.value === 'done' ? 'delivered' : s.value;
    const out = s.value === 'sending' || s.value === 'sent';
    s = { version: 3, value, context: { ...s.context, openAttempt: out ? s.context.attempt : null } };
  }
  if (s.version === 3) s = { version: 4, value: s.value, context: { ...s.context, noReceipts: false } };
  if (s.version !== DELIVERY_MACHINE_VERSION) throw new Error(`delivery snapshot version ${stored.version} is not ${DELIVERY_MACHINE_VERSION}`);
  return s as StoredDelivery;
}

/** The delivery reached the person on some attempt (a gateway accepted or delivered it). */
export function wasSent(stored: StoredDelivery): boolean {
  return upgradeStored(stored).context.sent;
}

/**
 * Whether an answer from the person may count: the order was sent to them, or an attempt is out
 * whose acceptance may still be on its way to the machine (the answer is applied after it, and the
 * machine's `seen` guard decides). A delivery only ever `queued` or `new` was never seen.
 */
export function mayBeSeen(stored: StoredDelivery): boolean {
  const s = upgradeStored(stored);
  return !isFinalValue(s.value) && (s.context.sent || s.context.openAttempt !== null);
}

/** One pure step: stored snapshot + event -> next snapshot + intents. */
export function stepDelivery(stored: StoredDelivery, event: DeliveryEvent): Step {
  stored = upgradeStored(stored);
  // A restored snapshot does not know it is done, so final states are guarded here.
  if (isFinalValue(stored.value)) return { stored, intents: [], changed: false };
  const snapshot = (stored as WithSnapshot)[SNAPSHOT] ?? deliveryMachine.resolveState({ value: stored.value, context: stored.context });
  const [next, actions] = deliveryTransition(snapshot, event);
  if (next === snapshot) return { stored, intents: [], changed: false };
  const nextStored: WithSnapshot = { version: DELIVERY_MACHINE_VERSION, value: next.value as DeliveryStateValue, context: next.context };
  Object.defineProperty(nextStored, SNAPSHOT, { value: next, enumerable: false });
  return { stored: nextStored, intents: toIntents(actions), changed: true };
}

/** Each state's contract status, from the machine's own `meta` (transient states have none). */
const STATUS_OF = new Map<string, DeliveryStatus>(
  Object.entries(deliveryMachine.states).flatMap(([key, node]) => {
    const meta = node.meta as DeliveryStateMeta | undefined;
    return meta ? [[key, meta.status] as const] : [];
  }),
);

/** The contract status a state shows; null for `new` (not started: shown as `queued`). */
export function statusOf(value: DeliveryStateValue): DeliveryStatus | null {
  return STATUS_OF.get(value) ?? null;
}

const FINAL_VALUES = new Set(
  Object.entries(deliveryMachine.states)
    .filter(([, node]) => node.type === 'final')
    .map(([key]) => key),
);

/** What the stored status column holds while a delivery is not started. */
export const NOT_STARTED = 'new';

/** A stored status as the contract shows it: a delivery not started yet is waiting, `queued`. */
export function contractStatus(stored: string): DeliveryStatus {
  return (stored === NOT_STARTED ? 'queued' : stored) as DeliveryStatus;
}

/**
 * Stored statuses of deliveries that are not final: `new` and every status a non-final state
 * shows. Derived from the machine, so a new state cannot be forgotten here.
 */
export const OPEN_STORED_STATUSES: readonly string[] = openStatuses();

/** Statuses in which an attempt is out at a gateway: sent again after a restart, moved when its channel goes. */
export const OUT_STATUSES: readonly string[] = [
  ...new Set(
    Object.values(deliveryMachine.states)
      .map((node) => node.meta as DeliveryStateMeta | undefined)
      .filter((m) => m?.out)
      .map((m) => m!.status),
  ),
];

function openStatuses(): string[] {
  return [
  NOT_STARTED,
  ...new Set(
    Object.entries(deliveryMachine.states)
      .filter(([, node]) => node.type !== 'final' && node.meta)
      .map(([, node]) => (node.meta as DeliveryStateMeta).status),
    ),
  ];
}

export function isFinalValue(value: DeliveryStateValue): boolean {
  return FINAL_VALUES.has(value);
}
