import { z } from 'zod';
import { GATEWAY_FAULTS, OUTAGE_KINDS } from '@lifeline/domain';
import { areaCode, id } from './common';

export const TOKEN_ROLES = ['console', 'gateway', 'drill', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const createTokenBody = z
  .strictObject({
    role: z.enum(TOKEN_ROLES),
    name: z.string().trim().min(1).max(100),
    areas: z.array(areaCode).max(100).optional(),
    channel: id.optional(),
  })
  .refine((t) => t.role !== 'gateway' || t.channel, { message: 'a gateway token is bound to one channel: expected channel', path: ['channel'] });

export const simReplyBody = z.strictObject({ orderId: id, text: z.string().max(500).optional() });

export const outageBody = z.strictObject({
  kind: z.enum(OUTAGE_KINDS),
  area: areaCode.optional(),
  channel: id.optional(),
  mode: z.enum(GATEWAY_FAULTS).optional(),
  /** `lossy`: the probability a message is lost (default 0.5). */
  loss: z.number().min(0).max(1).optional(),
  durationS: z.number().int().min(1).optional(),
});

export const eventsQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const ordersQuery = z.object({ status: z.enum(['open', 'closed', 'all']).default('all') });
