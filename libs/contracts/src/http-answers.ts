import { z } from 'zod';
import { MATCH_KINDS } from '@lifeline/domain';
import { channelState, deliveryStatus, id, isoTime, priority } from './common';
import { channelFrame, errorFrame, orderAcceptedFrame, orderRejectedFrame, receiptFrame } from './console-frames';
import { TOKEN_ROLES } from './http-bodies';
import { areaGeometry, lonLat } from './geo';
import { orderTarget } from './order';

/**
 * What the router answers, route by route and frame by frame: the schemas the OpenAPI document
 * and the frame JSON Schemas are generated from, and that the tests hold the answers to.
 */

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
  }),
});

export const healthAnswer = z.object({
  status: z.enum(['ok', 'error', 'standby']),
  reason: z.string().optional(),
  /** In a cluster: this node's name, whether it writes, and (on a standby) the node that is active. */
  node: z.string().optional(),
  role: z.enum(['active', 'follower']).optional(),
  active: z.string().optional(),
});

export const orderAcceptedAnswer = z.object({ orderId: id, ref: z.string(), deliveries: z.number().int() });

export const orderSummary = z.object({
  orderId: id,
  ref: z.string(),
  clientRef: z.string(),
  priority,
  to: orderTarget,
  body: z.string(),
  summary: z.string().nullable(),
  ackRequired: z.boolean(),
  ackWithinS: z.number().int(),
  ttlS: z.number().int(),
  createdAt: isoTime,
  expiresAt: isoTime,
  cancelled: z.boolean(),
  deliveryCount: z.number().int(),
  open: z.number().int(),
  status: z.enum(['open', 'closed']),
});

export const attemptView = z.object({
  attempt: z.number().int(),
  channel: z.string(),
  status: z.string(),
  at: isoTime,
  detail: z.string().nullable(),
});

export const orderDetail = orderSummary.extend({
  /** The CAP alert the order was made from (`POST /api/cap`): which info and area of it. */
  alert: z.object({ sender: z.string(), identifier: z.string(), sent: z.string(), msgType: z.string(), info: z.number().int(), area: z.number().int() }).nullable(),
  counts: z.record(z.string(), z.number().int()),
  deliveries: z.array(
    z.object({
      deliveryId: z.string(),
      personId: id,
      /** The person's name (null if the directory no longer has them). */
      name: z.string().nullable(),
      area: z.string(),
      areaName: z.string().nullable(),
      status: deliveryStatus,
      channel: z.string().nullable(),
      /** How the order reached the person: listed, in a named area, located in a fence, or by the area's shape (null: stored before this was kept). */
      matchedBy: z.enum(MATCH_KINDS).nullable(),
      attempts: z.array(attemptView),
    }),
  ),
  /** Pass as `after` for the next page; null on the last. */
  next: z.string().nullable(),
});

/** `GET /api/orders/:id/areas`: the order's deliveries counted by area (of each person) and status. */
export const orderAreasAnswer = z.array(z.object({ area: z.string(), counts: z.record(z.string(), z.number().int()) }));

/** `GET /api/orders/:id/progress`: the order's progress over time, at most 300 points from its creation. */
export const orderProgressAnswer = z.object({
  total: z.number().int(),
  ackRequired: z.boolean(),
  points: z.array(z.object({ at: isoTime, reached: z.number().int(), acknowledged: z.number().int(), final: z.number().int() })),
});

/** `POST /api/orders/preview`: whom the order would reach, and what each channel would carry. */
export const orderPreviewAnswer = z.object({
  /** A sample ref: the order's own is drawn when it is sent. */
  ref: z.string(),
  reach: z.object({ people: z.number().int(), areas: z.array(z.object({ area: z.string(), people: z.number().int() })) }),
  texts: z.array(
    z.object({
      channel: z.string(),
      kind: z.string(),
      text: z.string(),
      /** What `size` and `capacity` count: SMS septets (GSM 7-bit) or UTF-16 units (UCS-2), characters, or bits. */
      unit: z.enum(['septets', 'ucs2', 'chars', 'bits']),
      size: z.number().int(),
      capacity: z.number().int(),
      /** SMS parts (1 on other channels). */
      segments: z.number().int(),
      /** The content was shortened to fit (the ref and the answer hint are always kept). */
      truncated: z.boolean(),
    }),
  ),
});

/** `GET /api/me`: who the token is, its role and its areas (null: every area). */
export const meAnswer = z.object({
  tokenId: z.string(),
  name: z.string(),
  role: z.string(),
  areas: z.array(z.object({ code: z.string(), name: z.string() })).nullable(),
});

export const cancelAnswer = z.object({ orderId: id, cancelled: z.number().int() });

export const channelStateView = z.object({ channel: z.string(), area: z.string(), state: channelState, since: isoTime });

/** `GET /api/directory/roles`: every role of the people within the scope, with how many have it. */
export const directoryRolesAnswer = z.object({ roles: z.array(z.object({ role: z.string(), people: z.number().int().positive() })) });

export const directoryAnswer = z.object({
  areas: z.array(z.object({ code: z.string(), name: z.string(), parent: z.string().nullable(), geometry: areaGeometry.optional() })),
  people: z.array(
    z.object({
      id,
      name: z.string(),
      area: z.string(),
      roles: z.array(z.string()),
      /** Left out for drill tokens. */
      terminals: z.record(z.string(), z.string()).optional(),
      /** [longitude, latitude] where the directory has one; left out for drill tokens. */
      location: lonLat.optional(),
    }),
  ),
  next: z.string().nullable(),
});

export const tokenCreatedAnswer = z.object({ id: z.string(), token: z.string() });

export const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(TOKEN_ROLES),
  areas: z.array(z.string()).nullable(),
  channel: z.string().nullable(),
  gatewayIds: z.array(z.string()).nullable(),
  source: z.enum(['config', 'api', 'env']),
  createdAt: isoTime.nullable(),
  revokedAt: isoTime.nullable().optional(),
});

export const auditEntryView = z.object({
  id: z.number().int(),
  at: isoTime,
  actorId: z.string(),
  actorName: z.string(),
  actorRole: z.string(),
  address: z.string().nullable(),
  action: z.string(),
  subject: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

export const auditPage = z.object({ entries: z.array(auditEntryView), next: z.number().int().nullable() });

export const outageView = z.object({
  outageId: z.string(),
  kind: z.string(),
  area: z.string().nullable(),
  channel: z.string().nullable(),
  mode: z.string().nullable(),
  loss: z.number().nullable(),
  startAt: isoTime,
  endAt: isoTime.nullable(),
  active: z.boolean().optional(),
});

export const relayMissionView = z.object({
  resource: z.string(),
  channel: z.string(),
  area: z.string(),
  state: z.string(),
  arriveAt: isoTime.nullable(),
  leaveAt: isoTime.nullable(),
});

export const simReplyAnswer = z.object({ personId: id, orderId: id, channel: z.string() });

/** Relay mission events, on the same stream as receipts. */
const relayEvent = (type: string, fields: z.ZodRawShape) => z.object({ type: z.literal(type), seq: z.number().int(), at: isoTime, area: z.string(), ...fields });
export const relayRequestFrame = relayEvent('relay.request', { unreached: z.number().int(), priority });
export const relayDispatchedFrame = relayEvent('relay.dispatched', { resource: z.string(), channel: z.string(), base: z.string(), arriveAt: isoTime });
export const relayArrivedFrame = relayEvent('relay.arrived', { resource: z.string(), channel: z.string(), until: isoTime });
export const relayLeftFrame = relayEvent('relay.left', { resource: z.string(), channel: z.string() });

/** Every event frame (it has a `seq` and is replayable): the stream of `GET /api/events` and `subscribe`. */
export const eventFrame = z.discriminatedUnion('type', [
  orderAcceptedFrame,
  receiptFrame,
  channelFrame,
  relayRequestFrame,
  relayDispatchedFrame,
  relayArrivedFrame,
  relayLeftFrame,
]);

export const orderCancelledFrame = z.object({ type: z.literal('order.cancelled'), orderId: id, deliveries: z.number().int() });

/** Router to console: event frames, and the answers to a console's own frames. */
export const routerToConsoleFrame = z.union([eventFrame, orderRejectedFrame, orderCancelledFrame, errorFrame]);

/** What `POST /api/cap` did with an alert. */
export const capReceiptAnswer = z.object({
  alert: z.object({ sender: z.string(), identifier: z.string(), sent: z.string(), msgType: z.string() }),
  /** An order per info (in the preferred language) and area. */
  orders: z.array(z.object({ orderId: id, ref: z.string(), deliveries: z.number().int(), info: z.number().int(), area: z.number().int(), areaDesc: z.string() })),
  /** Orders of the referenced alerts, superseded (Update) or cancelled (Cancel), with the deliveries cancelled. */
  cancelled: z.array(z.object({ orderId: id, cancelled: z.number().int() })),
  /** Infos and areas that made no order, and why. */
  skipped: z.array(z.object({ info: z.number().int(), area: z.number().int().nullable(), reason: z.string() })),
  unknownReferences: z.array(z.string()),
  /** True when this sender and identifier were received before: nothing changed. */
  replayed: z.boolean(),
});
