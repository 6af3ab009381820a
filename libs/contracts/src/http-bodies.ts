import { z } from 'zod';
import { GATEWAY_FAULTS, OUTAGE_KINDS } from '@lifeline/domain';
import { areaCode, deliveryStatus, id } from './common';

/** `metrics` reads `/metrics` and nothing else (a Prometheus scraper's token). */
export const TOKEN_ROLES = ['console', 'gateway', 'drill', 'admin', 'metrics'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const createTokenBody = z
  .strictObject({
    role: z.enum(TOKEN_ROLES),
    name: z.string().trim().min(1).max(100),
    /** Leave out for every area. An empty list is refused: it must never read as "everywhere". */
    areas: z.array(areaCode).min(1, 'expected at least one area; leave areas out for a token of every area').max(100).optional(),
    channel: id.optional(),
    /** Gateway tokens: the gateway ids it may say hello as (relay resource ids included). */
    gatewayIds: z.array(id).min(1).max(100).optional(),
  })
  .refine((t) => t.role !== 'gateway' || t.channel, { message: 'a gateway token is bound to one channel: expected channel', path: ['channel'] })
  .refine((t) => t.role === 'gateway' || t.channel === undefined, { message: 'only gateway tokens are bound to a channel', path: ['channel'] })
  .refine((t) => t.role === 'gateway' || t.gatewayIds === undefined, { message: 'only gateway tokens name gateway ids', path: ['gatewayIds'] });

export const simReplyBody = z.strictObject({ orderId: id, text: z.string().max(500).optional() });

export const outageBody = z.strictObject({
  kind: z.enum(OUTAGE_KINDS),
  area: areaCode.optional(),
  channel: id.optional(),
  mode: z.enum(GATEWAY_FAULTS).optional(),
  /** `lossy`: the probability a message is lost (default 0.5). */
  loss: z.number().min(0).max(1).optional(),
  /** At most 30 days, an order's longest life: a drill is not forever. */
  durationS: z.number().int().min(1).max(30 * 86_400).optional(),
});

export const eventsQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

/** Which of an order's deliveries: every field narrows (`status` is a comma-separated list). */
export const deliveryFilterQuery = z.object({
  status: z
    .string()
    .max(200)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(deliveryStatus).max(20))
    .optional(),
  channel: id.optional(),
  area: areaCode.optional(),
  /** Text in the person's name or id. */
  q: z.string().trim().min(1).max(100).optional(),
});

/** `GET /api/orders/:id`: a page of deliveries, filtered; `after` is the previous page's `next`. */
export const orderPageQuery = deliveryFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  after: z.string().max(300).default(''),
});

/** `GET /api/directory`: a page of people, optionally those whose name or id contains `q`. */
export const directoryQuery = z.object({
  // Pages of a thousand: a large directory is read page by page (`next`), never in one answer.
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  after: z.string().max(128).default(''),
  q: z.string().trim().min(1).max(100).optional(),
});

export const ordersQuery = z.object({ status: z.enum(['open', 'closed', 'all']).default('all') });

/** `GET /api/audit`: newest first unless `order=asc`; `after` is the last id of the previous page. */
export const auditQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  order: z.enum(['asc', 'desc']).default('desc'),
  action: z.string().max(64).optional(),
  actor: z.string().max(128).optional(),
  subject: z.string().max(300).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});

/** The XML media types the alert routes (`POST /api/cap`, `/api/gbt35965`) read. */
export const ALERT_MEDIA_TYPES = ['application/cap+xml', 'application/xml', 'text/xml'];
