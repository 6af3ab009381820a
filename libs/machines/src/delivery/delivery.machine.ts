import { and, assign, setup, type SnapshotFrom } from 'xstate';
import type { DeliveryStatus } from '@lifeline/domain';
import { deadAfter, describeLoss, describeWaiting, pickFresh, pickNext } from './channel-pick';
import type { AttemptStatus, DeliveryContext, DeliveryEvent, DeliveryInput, TimerName } from './delivery.types';

/**
 * Bump when a change would misread stored snapshots; golden fixtures in the spec pin the shape,
 * and `upgradeStored` (delivery.runner.ts) brings every earlier version to this one.
 */
export const DELIVERY_MACHINE_VERSION = 4;

type Ctx = { context: DeliveryContext; event: DeliveryEvent };

/** What a state shows outside: the contract status it stands for. Transient states have none. */
export interface DeliveryStateMeta {
  status: DeliveryStatus;
  /** An attempt is out at a gateway in this state (a restart sends it again). */
  out?: true;
}
const shows = (status: DeliveryStatus, out?: true): { meta: DeliveryStateMeta } => ({ meta: out ? { status, out } : { status } });

const receipt = (status: DeliveryStatus) => ({
  type: 'receipt' as const,
  params: ({ context }: Ctx) => ({
    status,
    channel: context.channel,
    attempt: context.attempt,
    detail: context.detail,
  }),
});

/** Re-arming bumps the epoch, so a stale timer row that fires late is ignored. */
const typedAssign = assign<DeliveryContext, DeliveryEvent, undefined, DeliveryEvent, never>;

const arm = (name: TimerName, dueAt: (c: Ctx) => number) => [
  typedAssign({ epochs: ({ context }: Ctx) => ({ ...context.epochs, [name]: context.epochs[name] + 1 }) }),
  {
    type: 'armTimer' as const,
    // Whole milliseconds: a fractional setting (retry.baseS: 1.005) must not make a time that an
    // integer column refuses.
    params: (c: Ctx) => ({ name, epoch: c.context.epochs[name], dueAt: Math.ceil(dueAt(c)) }),
  },
];

const begin = (pick: (c: Ctx) => string | null, resetRound: boolean, keepDetail: boolean) =>
  typedAssign(({ context, event }: Ctx) => {
    const channel = pick({ context, event })!;
    return {
      dead: deadAfter(context, event),
      channel,
      attempt: context.attempt + 1,
      openAttempt: context.attempt + 1,
      round: resetRound ? [channel] : [...context.round, channel],
      // A fallback or escalation keeps its reason, so the receipt shows why the channel changed.
      detail: keepDetail ? context.detail : null,
    };
  });

type AttemptParams = { attempt: number; status: AttemptStatus; detail: string | null; settled: boolean } | null;

/**
 * An attempt's outcome as an intent; params are null when there is no such attempt (the runner
 * leaves those out), so that the rule stays here and the engine only writes what it is told.
 */
const attemptIntent = (params: (c: Ctx) => AttemptParams) => ({ type: 'attempt' as const, params });
const notOut = typedAssign({ openAttempt: null });

/** The attempt out at a gateway, if any, ends with `status`: it is settled and no longer out. */
const settleOpen = (status: AttemptStatus) => [
  attemptIntent(({ context }) => (context.openAttempt === null ? null : { attempt: context.openAttempt, status, detail: context.detail, settled: true })),
  notOut,
];

/**
 * A delivery receipt settles its own attempt as delivered; an attempt still out besides it (a late
 * receipt of an earlier try) is no longer needed.
 */
const attemptDelivered = [
  attemptIntent(({ event }) => (event.type === 'DELIVERED' ? { attempt: event.attempt, status: 'delivered', detail: null, settled: true } : null)),
  attemptIntent(({ context, event }) =>
    event.type === 'DELIVERED' && context.openAttempt !== null && context.openAttempt !== event.attempt
      ? { attempt: context.openAttempt, status: 'failed', detail: `superseded: attempt ${event.attempt} was delivered`, settled: true }
      : null,
  ),
  notOut,
];

/** The answer came through the latest attempt: it shows as acknowledged, and is settled. */
const attemptAcknowledged = [
  attemptIntent(({ context }) => {
    const attempt = context.openAttempt ?? (context.attempt > 0 ? context.attempt : null);
    return attempt === null ? null : { attempt, status: 'acknowledged', detail: context.detail, settled: true };
  }),
  notOut,
];

/** When a `sent` attempt's delivery timer falls due: a receipt given up on, or delivery presumed. */
const deliveryDueAt = (c: DeliveryContext, e: DeliveryEvent) =>
  e.type !== 'ACCEPTED' ? e.at : e.at + (presumes(c, e) ? e.presumeDeliveredMs! : e.deliveryTimeoutMs);
const presumes = (c: DeliveryContext, e: DeliveryEvent) => e.type === 'ACCEPTED' && e.presumeDeliveredMs !== undefined && !c.ackRequired;

/** The gateway accepted the attempt out: it is `sent`, and still out until it is settled. */
const attemptSent = {
  type: 'attempt' as const,
  params: ({ context }: Ctx) => ({ attempt: context.attempt, status: 'sent' as const, detail: null, settled: false }),
};

/** A new delivery's context; also what `createDelivery` stores without running the machine. */
export function initialContext(input: DeliveryInput): DeliveryContext {
  // Listed field by field, not spread: a spread context took V8's slow path, and every XState
  // step copies the context (about a fifth of a step's cost, measured in the bench).
  return {
    channels: input.channels,
    terminalOf: input.terminalOf,
    ackRequired: input.ackRequired,
    ackWithinMs: input.ackWithinMs,
    expiresAt: input.expiresAt,
    retryBaseMs: input.retryBaseMs,
    retryMaxMs: input.retryMaxMs,
    dead: [],
    round: [],
    attempt: 0,
    channel: null,
    cycle: 0,
    backoffs: 0,
    reached: false,
    sent: false,
    noReceipts: false,
    openAttempt: null,
    detail: null,
    epochs: { ttl: 0, delivery: 0, ack: 0, retry: 0 },
  };
}

/**
 * One delivery, from its start to exactly one final status. Its intents (dispatch, timers,
 * receipts, attempt outcomes) are data: the engine turns them into rows in the transaction that
 * stores the next snapshot. The lifecycle is stated here once; the status each state shows is its
 * `meta`, and the spec walks every reachable transition against the contract's allowed changes.
 */
export const deliveryMachine = setup({
  types: {
    context: {} as DeliveryContext,
    events: {} as DeliveryEvent,
    input: {} as DeliveryInput,
    meta: {} as DeliveryStateMeta,
  },
  actions: {
    // Intents: bodies stay empty; the engine turns the returned action objects into rows.
    dispatch: (_: unknown, _params: { channel: string; attempt: number }) => {},
    armTimer: (_: unknown, _params: { name: TimerName; epoch: number; dueAt: number }) => {},
    cancelTimers: () => {},
    receipt: (
      _: unknown,
      _params: { status: DeliveryStatus; channel: string | null; attempt: number; detail: string | null },
    ) => {},
    attempt: (_: unknown, _params: AttemptParams) => {},
    beginFresh: begin(({ context, event }) => pickFresh(context, event), true, false),
    beginFallback: begin(({ context, event }) => pickNext(context, event, true), false, true),
    beginEscalation: begin(({ context, event }) => pickNext(context, event, false), true, true),
    noteLoss: assign({ detail: ({ context, event }) => describeLoss(context, event), dead: ({ context, event }) => deadAfter(context, event) }),
    noteWaiting: assign({ detail: ({ context, event }) => describeWaiting(context, event), dead: ({ context, event }) => deadAfter(context, event) }),
    noteBackoff: assign({ backoffs: ({ context }) => context.backoffs + 1 }),
    // Reached by a receipt, or (a timer on a channel without receipts) as presumed, which it says.
    noteReached: assign({ reached: true, sent: true, backoffs: 0, detail: ({ context, event }) => (event.type === 'TIMER_FIRED' && context.noReceipts ? context.detail : null) }),
    noteSent: assign({ sent: true, noReceipts: ({ context, event }) => presumes(context, event) }),
    notePresumed: assign({ detail: 'delivered as presumed: the channel gives no delivery receipts' }),
    noteCycle: assign({
      cycle: ({ context }) => context.cycle + 1,
      detail: ({ context }) => `no answer in time: escalation ${context.cycle + 1}`,
    }),
    noteAllDead: assign({ dead: ({ context, event }) => deadAfter(context, event), detail: 'every terminal of the person was rejected permanently' }),
    noteNoTerminal: assign({ detail: 'the person holds no terminal for any configured channel' }),
    noteExpired: assign({ detail: 'time to live ran out before the person was reached' }),
    noteUnanswered: assign({ detail: 'reached, but no answer before the time to live ran out' }),
    noteReply: assign({ detail: ({ event }) => (event.type === 'REPLY' ? `reply: ${event.text.slice(0, 80)}` : null) }),
    noteCancel: assign({ detail: 'order cancelled' }),
  },
  guards: {
    pastDeadline: ({ context, event }) => event.at >= context.expiresAt,
    noTerminal: ({ context }) => context.channels.length === 0,
    canStartFresh: ({ context, event }) => pickFresh(context, event) !== null,
    canFallBack: ({ context, event }) => pickNext(context, event, true) !== null,
    canEscalate: ({ context, event }) => pickNext(context, event, false) !== null,
    allDead: ({ context, event }) => context.channels.every((c) => deadAfter(context, event).includes(c)),
    currentAttempt: ({ context, event }) => 'attempt' in event && event.attempt === context.attempt,
    /** A late `delivered` for an earlier attempt still means the person has the order. */
    anyOwnAttempt: ({ context, event }) => 'attempt' in event && event.attempt >= 1 && event.attempt <= context.attempt,
    ackRequired: ({ context }) => context.ackRequired,
    currentChannelLost: ({ context, event }) =>
      event.type === 'CHANNEL_CHANGED' && context.channel !== null && !event.available.includes(context.channel),
    ttlDue: ({ context, event }) => event.type === 'TIMER_FIRED' && event.name === 'ttl' && event.epoch === context.epochs.ttl,
    deliveryDue: ({ context, event }) =>
      event.type === 'TIMER_FIRED' && event.name === 'delivery' && event.epoch === context.epochs.delivery,
    ackDue: ({ context, event }) => event.type === 'TIMER_FIRED' && event.name === 'ack' && event.epoch === context.epochs.ack,
    retryDue: ({ context, event }) => event.type === 'TIMER_FIRED' && event.name === 'retry' && event.epoch === context.epochs.retry,
    reached: ({ context }) => context.reached,
    presumedDelivered: ({ context }) => context.noReceipts,
    /** An answer counts only from someone the order was sent to: 叫应 means they saw it. */
    seen: ({ context }) => context.sent,
  },
}).createMachine({
  id: 'delivery',
  context: ({ input }) => initialContext(input),
  initial: 'new',
  states: {
    /** Accepted, not started yet (the starter starts deliveries as fast as the dispatcher drains). */
    new: {
      on: {
        START: [
          { guard: 'pastDeadline', target: 'expired', actions: 'noteExpired' },
          { guard: 'noTerminal', target: 'failed', actions: 'noteNoTerminal' },
          { guard: 'canStartFresh', target: 'sending', actions: [...arm('ttl', ({ context }) => context.expiresAt), 'beginFresh'] },
          { target: 'queued', actions: [...arm('ttl', ({ context }) => context.expiresAt), 'noteWaiting'] },
        ],
        CANCEL: { target: 'cancelled', actions: 'noteCancel' },
      },
    },
    queued: {
      ...shows('queued'),
      entry: receipt('queued'),
      on: {
        CHANNEL_CHANGED: { guard: 'canStartFresh', target: 'sending', actions: 'beginFresh' },
        // A back-off ran out: try again, or keep waiting without a second `queued` receipt.
        TIMER_FIRED: [
          { guard: and(['retryDue', 'canStartFresh']), target: 'sending', actions: 'beginFresh' },
          { guard: 'retryDue', actions: 'noteWaiting' },
        ],
      },
    },
    sending: {
      ...shows('sending', true),
      entry: [
        { type: 'dispatch', params: ({ context }) => ({ channel: context.channel!, attempt: context.attempt }) },
        receipt('sending'),
      ],
      on: {
        ACCEPTED: {
          guard: 'currentAttempt',
          target: 'sent',
          actions: ['noteSent', attemptSent, ...arm('delivery', ({ context, event }) => deliveryDueAt(context, event))],
        },
        FAILED: { guard: 'currentAttempt', target: 'lost', actions: 'noteLoss' },
        SILENT: { guard: 'currentAttempt', target: 'lost', actions: 'noteLoss' },
        CHANNEL_CHANGED: { guard: 'currentChannelLost', target: 'lost', actions: 'noteLoss' },
      },
    },
    sent: {
      ...shows('sent', true),
      entry: receipt('sent'),
      on: {
        FAILED: { guard: 'currentAttempt', target: 'lost', actions: 'noteLoss' },
        CHANNEL_CHANGED: { guard: 'currentChannelLost', target: 'lost', actions: 'noteLoss' },
        TIMER_FIRED: [
          { guard: and(['deliveryDue', 'presumedDelivered']), target: 'delivered', actions: ['notePresumed', ...settleOpen('delivered')] },
          { guard: 'deliveryDue', target: 'lost', actions: 'noteLoss' },
        ],
      },
    },
    /** Transient: the attempt out is lost; fall back, back off, or give up. */
    lost: {
      entry: settleOpen('failed'),
      always: [
        { guard: 'allDead', target: 'failed', actions: 'noteAllDead' },
        { guard: 'canFallBack', target: 'sending', actions: 'beginFallback' },
        {
          target: 'queued',
          actions: [
            'noteBackoff',
            ...arm('retry', ({ context, event }) =>
              event.at + Math.min(context.retryBaseMs * 2 ** (context.backoffs - 1), context.retryMaxMs),
            ),
          ],
        },
      ],
    },
    /** Delivered, an answer asked for and not given yet: escalates when none comes in time. */
    awaitingAnswer: {
      ...shows('delivered'),
      entry: [
        'noteReached',
        ...arm('ack', ({ context, event }) => event.at + context.ackWithinMs),
        receipt('delivered'),
      ],
      on: {
        TIMER_FIRED: { guard: 'ackDue', target: 'escalating' },
        // Already reached: later receipts of this or earlier attempts change nothing.
        DELIVERED: { actions: [] },
      },
    },
    /** Transient: no answer in time: send again on the next channel, round and round. */
    escalating: {
      always: [
        { guard: 'canEscalate', target: 'sending', actions: ['noteCycle', 'beginEscalation'] },
        { target: 'queued', actions: ['noteCycle', 'noteWaiting'] },
      ],
    },
    /** Transient: the time to live ran out. */
    expiredOrUnanswered: {
      always: [
        { guard: 'reached', target: 'unanswered', actions: 'noteUnanswered' },
        { target: 'expired', actions: 'noteExpired' },
      ],
    },
    /** Final: delivered, no answer asked for. */
    delivered: { type: 'final', ...shows('delivered'), entry: ['noteReached', 'cancelTimers', receipt('delivered')] },
    acknowledged: { type: 'final', ...shows('acknowledged'), entry: [...attemptAcknowledged, 'cancelTimers', receipt('acknowledged')] },
    unanswered: { type: 'final', ...shows('unanswered'), entry: [...settleOpen('unanswered'), 'cancelTimers', receipt('unanswered')] },
    expired: { type: 'final', ...shows('expired'), entry: [...settleOpen('expired'), 'cancelTimers', receipt('expired')] },
    failed: { type: 'final', ...shows('failed'), entry: [...settleOpen('failed'), 'cancelTimers', receipt('failed')] },
    cancelled: { type: 'final', ...shows('cancelled'), entry: [...settleOpen('cancelled'), 'cancelTimers', receipt('cancelled')] },
  },
  // Shared by every non-final state: listed once here, refined above where a state differs.
  on: {
    CANCEL: { target: '.cancelled', actions: 'noteCancel' },
    // An answer to an order the person never got (nothing sent yet) is not 叫应: it changes nothing.
    REPLY: { guard: 'seen', target: '.acknowledged', actions: 'noteReply' },
    DELIVERED: [
      { guard: and(['anyOwnAttempt', 'ackRequired']), target: '.awaitingAnswer', actions: attemptDelivered },
      { guard: 'anyOwnAttempt', target: '.delivered', actions: attemptDelivered },
    ],
    TIMER_FIRED: { guard: 'ttlDue', target: '.expiredOrUnanswered' },
  },
});

/** The machine's state names, as stored beside the status. */
export type DeliveryStateValue = Extract<SnapshotFrom<typeof deliveryMachine>['value'], string>;
