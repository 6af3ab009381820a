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
  z.strictObject({ type: z.literal('REPLY'), at, channel: text(200).nullable(), text: text(10_000) }),
  z.strictObject({ type: z.literal('CANCEL'), at }),
]);

const limit = z.number().int().positive().max(100_000);
export const laneJob = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('items'), items: z.array(z.strictObject({ deliveryId: text(2000), event: engineEvent })).max(100_000) }),
  z.strictObject({ kind: z.literal('start'), limit }),
  z.strictObject({ kind: z.literal('timers'), limit }),
  z.strictObject({ kind: z.literal('expire'), limit }),
]);

const channelState = z.enum(['up', 'degraded', 'down']);
const reachSnapshot = z.strictObject({
  coverage: z.array(z.tuple([text(200), text(400), z.array(text(1000)), at.nullable(), z.boolean()])),
  states: z.array(z.tuple([text(200), text(1000), text(400), channelState])),
  fixedOnly: z.array(text(400)),
});

export const laneGrant = z.strictObject({
  lane: z.number().int().nonnegative().max(WORK_PARTITIONS - 1),
  lanes: z.number().int().positive().max(WORK_PARTITIONS),
  node: text(200),
  epoch: z.number().int().positive(),
  key: z.string().regex(/^[0-9a-f]{32}$/),
  writerEpoch: z.number().int().positive(),
});

/**
 * Which context of the active node a job was decided under: that node's run (`incarnation`), its
 * reach's version, and how many orders it has seen cancelled.
 */
export const laneVersion = z.strictObject({ incarnation: text(100), reach: z.number().int().nonnegative(), cancels: z.number().int().nonnegative() });
export type LaneVersion = z.output<typeof laneVersion>;

/**
 * What steps depend on beyond rows, sent when the worker may not have it: the channels' reach
 * (when it changed since the worker last had it), and the cancelled orders from the worker's
 * count on (`from`; 0 with a new incarnation).
 */
export const laneContext = z.strictObject({ reach: reachSnapshot.optional(), from: z.number().int().nonnegative(), cancelled: z.array(text(200)).max(100_000) });

export const laneJobMessage = z.strictObject({
  grant: laneGrant,
  /** The active node's clock: one clock for every step, whichever node takes it. */
  now: at,
  job: laneJob,
  version: laneVersion,
  context: laneContext.optional(),
});
export type LaneJobMessage = z.output<typeof laneJobMessage>;

/** The active node asks whether a node that offers to carry out lanes answers at all (before it grants one). */
export const laneProbe = z.strictObject({ probe: z.literal(true) });

/** A send, without what the active node knows of the order (text, ref, priority): it fills them in. */
export const remoteSend = z.strictObject({ deliveryId: text(2000), orderId: text(200), channel: text(200), area: text(1000), attempt, to: text(1000) });
export type RemoteSend = z.output<typeof remoteSend>;

/** A receipt as the engine makes it: the ids as the directory has them (the console contract's `id` is for what clients send). */
const remoteReceipt = receiptFrame.extend({ orderId: text(200), personId: text(1000), deliveryId: text(2000), channel: text(200).nullable() }).strict();

export const laneAnswer = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    applied: z.number().int().nonnegative(),
    events: z.array(z.strictObject({ frame: remoteReceipt, areaPath: text(10_000).nullable() })),
    sends: z.array(remoteSend),
    drops: z.array(text(2100)),
    timersArmed: at.nullable(),
    finals: z.number().int().nonnegative(),
  }),
  /**
   * `context`: the worker lacks the context of the job's version (it restarted): send it again
   * with it. `moved`: the grant is not the lane's. `ready`: the answer to a probe.
   */
  z.strictObject({ ok: z.literal(false), code: z.enum(['context', 'moved', 'failed', 'ready']), message: text(2000) }),
]);
export type LaneAnswer = z.output<typeof laneAnswer>;
