import { z } from 'zod';
import { areaCode, channelState, id, priority } from './common';

const attemptId = z.string().min(3).max(300);
const address = z.string().min(1).max(64);

/** Gateway to router (contract section 5). */
export const gatewayFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    gatewayId: id,
    channel: id,
    areas: z.array(areaCode).max(10_000),
    window: z.number().int().min(1).max(100_000),
  }),
  z.strictObject({ type: z.literal('accepted'), attemptId }),
  z.strictObject({ type: z.literal('delivered'), attemptId }),
  z.strictObject({ type: z.literal('failed'), attemptId, permanent: z.boolean(), reason: z.string().max(500) }),
  z.strictObject({ type: z.literal('reply'), from: address, text: z.string().max(2_000) }),
  z.strictObject({
    type: z.literal('health'),
    state: channelState,
    areas: z.array(areaCode).max(10_000),
    detail: z.string().max(500).optional(),
  }),
  z.strictObject({ type: z.literal('coverage'), areas: z.array(areaCode).max(10_000), until: z.iso.datetime() }),
]);
export type GatewayFrame = z.output<typeof gatewayFrame>;

/** Router to gateway. */
export const sendFrame = z.strictObject({
  type: z.literal('send'),
  attemptId,
  orderId: id,
  ref: z.string(),
  to: address,
  priority,
  text: z.string(),
  ackRequired: z.boolean(),
});
export type SendFrame = z.output<typeof sendFrame>;

/** Router to gateway: a send, or an error about a frame the gateway sent (the link stays open). */
export const routerFrame = z.discriminatedUnion('type', [
  sendFrame,
  z.strictObject({ type: z.literal('error'), error: z.strictObject({ code: z.string(), message: z.string() }) }),
]);
export type RouterFrame = z.output<typeof routerFrame>;
