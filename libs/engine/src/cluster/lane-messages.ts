import { receiptFrame } from '@lifeline/contracts';
import { WORK_PARTITIONS } from '@lifeline/domain';
import { TIMER_NAMES } from '@lifeline/machines';
import { z } from 'zod';

/**
 * What the active node and the nodes carrying out its lanes say to each other (over the bus):
 * a job with the grant it runs under, and what the job left to do. Both sides parse what they
 * get: a message from another version, or from anyone else on the bus, is refused, never acted
 * on half-read. (The grant's key, checked against the database in the job's transaction, is what
 * makes a job the active node's.)
 */
const text = (max: number) => z.string().max(max);
const at = z.number().int().nonnegative();
const attempt = z.number().int().positive();
const available = z.never().optional();

const engineEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('START'), at, available }),
  z.strictObject({ type: z.literal('ACCEPTED'), at, attempt, deliveryTimeoutMs: z.number().int().nonnegative(), presumeDeliveredMs: z.number().int().nonnegative().optional() }),
  z.strictObject({ type: z.literal('DELIVERED'), at, attempt }),
  z.strictObject({ type: z.literal('FAILED'), at, attempt, permanent: z.boolean(), reason: text(2000), available }),
  z.strictObject({ type: z.literal('SILENT'), at, attempt, reason: text(2000), available }),
  z.strictObject({ type: z.literal('CHANNEL_CHANGED'), at, available }),
  z.strictObject({ type: z.literal('TIMER_FIRED'), at, name: z.enum(TIMER_NAMES), epoch: z.number().int(), available }),
  z.strictObject({ type: z.literal('REPLY'), at, channel: text(64).nullable(), text: text(10_000) }),
  z.strictObject({ type: z.literal('CANCEL'), at }),
]);

const limit = z.number().int().positive().max(100_000);
export const laneJob = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('items'), items: z.array(z.strictObject({ deliveryId: text(300), event: engineEvent })).max(100_000) }),
  z.strictObject({ kind: z.literal('start'), limit }),
  z.strictObject({ kind: z.literal('timers'), limit }),
  z.strictObject({ kind: z.literal('expire'), limit }),
]);

const channelState = z.enum(['up', 'degraded', 'down']);
const reachSnapshot = z.strictObject({
  coverage: z.array(z.tuple([text(64), text(300), z.array(text(64)), at.nullable(), z.boolean()])),
  states: z.array(z.tuple([text(64), text(64), text(300), channelState])),
  fixedOnly: z.array(text(300)),
});

export const laneGrant = z.strictObject({
  lane: z.number().int().nonnegative().max(WORK_PARTITIONS),
  node: text(200),
  epoch: z.number().int().positive(),
  key: z.string().regex(/^[0-9a-f]{32}$/),
  writerEpoch: z.number().int().positive(),
});

/** What the active node knows that steps depend on: the channels' reach, and the orders cancelled. */
export const laneContext = z.strictObject({ reach: reachSnapshot, cancelled: z.array(text(100)) });

export const laneJobMessage = z.strictObject({
  grant: laneGrant,
  /** The lane's partitions, as the active node divides them. */
  partitions: z.array(z.number().int().nonnegative().max(WORK_PARTITIONS - 1)).min(1).max(WORK_PARTITIONS),
  /** The active node's clock: one clock for every step, whichever node takes it. */
  now: at,
  job: laneJob,
  /** Which context the job was decided under (the active node's); `context` carries it when the worker may not have it. */
  version: text(100),
  context: laneContext.optional(),
});
export type LaneJobMessage = z.output<typeof laneJobMessage>;

/** A send, without what the active node knows of the order (text, ref, priority): it fills them in. */
export const remoteSend = z.strictObject({ deliveryId: text(300), orderId: text(100), channel: text(64), area: text(64), attempt, to: text(200) });
export type RemoteSend = z.output<typeof remoteSend>;

export const laneAnswer = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    applied: z.number().int().nonnegative(),
    events: z.array(z.strictObject({ frame: receiptFrame.strict(), areaPath: text(1000).nullable() })),
    sends: z.array(remoteSend),
    drops: z.array(text(400)),
    timersArmed: at.nullable(),
    finals: z.number().int().nonnegative(),
  }),
  /** `context`: the worker lacks the context of `version` (it restarted): send again with it. `moved`: the grant is not the lane's. */
  z.strictObject({ ok: z.literal(false), code: z.enum(['context', 'moved', 'failed']), message: text(2000) }),
]);
export type LaneAnswer = z.output<typeof laneAnswer>;
