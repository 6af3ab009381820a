import { z } from 'zod';
import { areaCode, clientRef, id, priority } from './common';
import { firstUnsendable, MAX_FENCE_CIRCLES, MAX_FENCE_POLYGONS, MAX_FENCE_VERTICES } from '@lifeline/domain';

/** Text for handsets: trimmed, not empty, at most `max` long, without control characters or broken UTF-16. */
const sendableText = (max: number) =>
  z.string().trim().min(1).max(max).superRefine((t, ctx) => {
    const at = firstUnsendable(t);
    if (at >= 0) ctx.addIssue({ code: 'custom', message: `expected text without control characters or broken UTF-16 (character ${at + 1} is U+${t.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')})` });
  });
import { circle, polygonGeometry } from './geo';

/**
 * Who an order reaches: listed people, everyone in areas, everyone inside geofences (polygons and
 * circles), the union of all; roles narrow the areas and fences, never the listed people.
 */
export const orderTarget = z
  .strictObject({
    people: z.array(id).max(10_000).optional(),
    areas: z.array(areaCode).max(1_000).optional(),
    roles: z.array(z.string().min(1).max(64)).max(50).optional(),
    polygons: z.array(polygonGeometry).max(MAX_FENCE_POLYGONS).optional(),
    circles: z.array(circle).max(MAX_FENCE_CIRCLES).optional(),
  })
  .refine((t) => (t.people?.length ?? 0) + (t.areas?.length ?? 0) + (t.polygons?.length ?? 0) + (t.circles?.length ?? 0) > 0, {
    message: 'expected at least one of people, areas, polygons or circles',
  })
  .refine((t) => !t.roles || (t.areas?.length ?? 0) + (t.polygons?.length ?? 0) + (t.circles?.length ?? 0) > 0, {
    message: 'roles narrow areas and fences: expected areas, polygons or circles beside roles',
    path: ['roles'],
  })
  .refine((t) => fenceVertices(t.polygons) <= MAX_FENCE_VERTICES, {
    message: `at most ${MAX_FENCE_VERTICES} vertices in all of an order's polygons together`,
    path: ['polygons'],
  });

function fenceVertices(polygons: { coordinates: unknown[][] }[] | undefined): number {
  return (polygons ?? []).reduce((n, p) => n + p.coordinates.reduce((m, ring) => m + ring.length, 0), 0);
}

export const orderSpec = z
  .strictObject({
    priority,
    to: orderTarget,
    body: sendableText(4_000),
    summary: sendableText(500).optional(),
    ackRequired: z.boolean().default(false),
    ackWithinS: z.number().int().min(10).max(7 * 86_400).default(600),
    ttlS: z.number().int().min(10).max(30 * 86_400).default(3_600),
  })
  .refine((o) => !o.ackRequired || o.ackWithinS <= o.ttlS, {
    message: 'expected ackWithinS no longer than ttlS',
    path: ['ackWithinS'],
  });
export type OrderSpecInput = z.input<typeof orderSpec>;
export type OrderSpecParsed = z.output<typeof orderSpec>;

export const createOrderBody = z.strictObject({ clientRef, order: orderSpec });
export type CreateOrderBody = z.output<typeof createOrderBody>;

/**
 * `POST /api/orders/:id/resend`: a new order to the people of an order who have not answered it
 * (`notAnswered`: all but acknowledged and cancelled) or whom it has not reached (`notReached`:
 * queued, sending, sent, expired, failed), picked by the router however many. The rest is the first
 * order's unless given here.
 */
export const resendOrderBody = z
  .strictObject({
    clientRef,
    people: z.enum(['notAnswered', 'notReached']),
    priority: priority.optional(),
    body: sendableText(4_000).optional(),
    summary: sendableText(500).optional(),
    ackRequired: z.boolean().optional(),
    ackWithinS: z.number().int().min(10).max(7 * 86_400).optional(),
    ttlS: z.number().int().min(10).max(30 * 86_400).optional(),
  })
  .refine((o) => o.ackWithinS === undefined || o.ttlS === undefined || o.ackRequired === false || o.ackWithinS <= o.ttlS, {
    message: 'expected ackWithinS no longer than ttlS',
    path: ['ackWithinS'],
  });
export type ResendOrderBody = z.output<typeof resendOrderBody>;

/** `POST /api/orders/preview`: the order as it would be sent, without a clientRef. */
export const previewOrderBody = z.strictObject({ order: orderSpec });
