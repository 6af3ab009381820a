import { assign, setup, transition } from 'xstate';
import type { ChannelState } from '@lifeline/domain';

/**
 * A circuit breaker per (channel, area): what attempts show about a channel there. Gateway health
 * frames and drills are separate reports; `Reach` combines all of them into the channel's state.
 */
export interface HealthContext {
  failures: number;
  threshold: number;
  backoffMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  epoch: number;
}

export type HealthEvent =
  | { type: 'SUCCESS'; at: number }
  | { type: 'FAILURE'; at: number }
  | { type: 'TIMER_FIRED'; at: number; epoch: number };

export type HealthIntent = { type: 'armProbe'; params: { epoch: number; dueAt: number } };

export const channelHealthMachine = setup({
  types: {
    context: {} as HealthContext,
    events: {} as HealthEvent,
    input: {} as { threshold: number; baseBackoffMs: number; maxBackoffMs: number },
  },
  actions: {
    armProbe: (_: unknown, _params: { epoch: number; dueAt: number }) => {},
    countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    reset: assign({ failures: 0, backoffMs: ({ context }) => context.baseBackoffMs }),
    nextEpoch: assign({ epoch: ({ context }) => context.epoch + 1 }),
    growBackoff: assign({ backoffMs: ({ context }) => Math.min(context.backoffMs * 2, context.maxBackoffMs) }),
  },
  guards: {
    tripping: ({ context }) => context.failures + 1 >= context.threshold,
    probeDue: ({ context, event }) => event.type === 'TIMER_FIRED' && event.epoch === context.epoch,
  },
}).createMachine({
  id: 'channelHealth',
  context: ({ input }) => ({ ...input, failures: 0, backoffMs: input.baseBackoffMs, epoch: 0 }),
  initial: 'closed',
  states: {
    closed: {
      on: {
        SUCCESS: { actions: 'reset' },
        FAILURE: [{ guard: 'tripping', target: 'open' }, { actions: 'countFailure' }],
      },
    },
    open: {
      entry: [
        'nextEpoch',
        { type: 'armProbe', params: ({ context, event }) => ({ epoch: context.epoch, dueAt: event.at + context.backoffMs }) },
      ],
      on: { TIMER_FIRED: { guard: 'probeDue', target: 'probing' } },
    },
    /** Half-open: the next attempt is the probe. */
    probing: {
      on: {
        SUCCESS: { target: 'closed', actions: 'reset' },
        FAILURE: { target: 'open', actions: 'growBackoff' },
      },
    },
  },
});

export type HealthValue = 'closed' | 'open' | 'probing';
export const HEALTH_STATE: Record<HealthValue, ChannelState> = { closed: 'up', open: 'down', probing: 'degraded' };

export interface StoredHealth {
  value: HealthValue;
  context: HealthContext;
}

export function createHealth(input: { threshold: number; baseBackoffMs: number; maxBackoffMs: number }): StoredHealth {
  const snapshot = channelHealthMachine.resolveState({
    value: 'closed',
    context: { ...input, failures: 0, backoffMs: input.baseBackoffMs, epoch: 0 },
  });
  return { value: 'closed', context: snapshot.context };
}

export function stepHealth(stored: StoredHealth, event: HealthEvent): { stored: StoredHealth; intents: HealthIntent[] } {
  const snapshot = channelHealthMachine.resolveState(stored);
  const [next, actions] = transition(channelHealthMachine, snapshot, event);
  return {
    stored: { value: next.value as HealthValue, context: next.context },
    intents: actions.filter((a) => a.type === 'armProbe') as unknown as HealthIntent[],
  };
}
