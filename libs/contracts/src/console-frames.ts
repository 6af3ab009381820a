import { z } from 'zod';
import { channelState, clientRef, deliveryStatus, id, isoTime } from './common';
import { orderSpec } from './order';

/** Console to router. */
export const consoleFrame = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('order.send'), clientRef, order: orderSpec }),
  z.strictObject({ type: z.literal('subscribe'), since: z.number().int().min(0).optional() }),
  z.strictObject({ type: z.literal('order.cancel'), orderId: id }),
]);
export type ConsoleFrame = z.output<typeof consoleFrame>;

/** Router to console: frames a client can parse with these same schemas. */
export const orderAcceptedFrame = z.object({
  type: z.literal('order.accepted'),
  clientRef,
  orderId: id,
  ref: z.string(),
  deliveries: z.number().int(),
  seq: z.number().int(),
});
export const orderRejectedFrame = z.object({
  type: z.literal('order.rejected'),
  clientRef: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.any()).optional() }),
});
export const receiptFrame = z.object({
  type: z.literal('receipt'),
  seq: z.number().int(),
  orderId: id,
  deliveryId: z.string(),
  personId: id,
  status: deliveryStatus,
  channel: z.string().nullable(),
  attempt: z.number().int(),
  at: isoTime,
  detail: z.string().nullable(),
});
export const channelFrame = z.object({
  type: z.literal('channel'),
  seq: z.number().int(),
  channel: z.string(),
  area: z.string(),
  state: channelState,
  at: isoTime,
});
export const errorFrame = z.object({
  type: z.literal('error'),
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.any()).optional() }),
});
export type OrderAcceptedFrame = z.infer<typeof orderAcceptedFrame>;
export type ReceiptFrame = z.infer<typeof receiptFrame>;
export type ChannelFrame = z.infer<typeof channelFrame>;
/** Event frames carry a `seq` and are replayable. */
export type EventFrame = OrderAcceptedFrame | ReceiptFrame | ChannelFrame | (Record<string, unknown> & { type: string; seq: number });
