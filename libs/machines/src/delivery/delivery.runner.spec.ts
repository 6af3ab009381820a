import { initialTransition, transition } from 'xstate';
import { DELIVERY_MACHINE_VERSION, deliveryMachine } from './delivery.machine';
import { createDelivery, deliveryTransition } from './delivery.runner';
import type { DeliveryEvent, DeliveryInput } from './delivery.types';

const input: DeliveryInput = {
  channels: ['public', 'pdt'],
  terminalOf: { public: 'public', pdt: 'pdt' },
  ackRequired: true,
  ackWithinMs: 1000,
  expiresAt: 10_000,
  retryBaseMs: 100,
  retryMaxMs: 1000,
};

const events: DeliveryEvent[] = [
  { type: 'START', at: 0, available: ['public', 'pdt'] },
  { type: 'FAILED', at: 1, attempt: 1, permanent: false, reason: 'busy', available: ['public', 'pdt'] },
  { type: 'ACCEPTED', at: 2, attempt: 2, deliveryTimeoutMs: 100 },
  { type: 'DELIVERED', at: 3, attempt: 2 },
  { type: 'TIMER_FIRED', at: 1003, name: 'ack', epoch: 1, available: ['public'] },
  { type: 'REPLY', at: 1004, channel: 'public', text: '1' },
];

const plain = (actions: { type: string; params?: unknown }[]) => actions.map((a) => ({ type: a.type, params: a.params }));

describe('the shared-scope transition', () => {
  it('gives exactly what xstate transition() gives, step by step', () => {
    const created = createDelivery(input);
    let ours = deliveryMachine.resolveState({ value: created.value, context: created.context });
    let oursActions: { type: string; params?: unknown }[];
    let [theirs, theirsActions] = initialTransition(deliveryMachine, input);
    expect(ours.value).toEqual(theirs.value);
    expect(theirsActions).toEqual([]); // `new` has no entry actions: creating needs no machine run
    for (const e of events) {
      [ours, oursActions] = deliveryTransition(ours, e);
      [theirs, theirsActions] = transition(deliveryMachine, theirs, e);
      expect(ours.value).toEqual(theirs.value);
      expect(ours.context).toEqual(theirs.context);
      expect(plain(oursActions)).toEqual(plain(theirsActions));
    }
    expect(ours.value).toBe('acknowledged');
  });

  it('creates a delivery equal to the machine\'s initial snapshot', () => {
    const [initial] = initialTransition(deliveryMachine, input);
    expect(createDelivery(input)).toEqual({ version: DELIVERY_MACHINE_VERSION, value: initial.value, context: initial.context });
  });
});
