export const DELIVERY_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'acknowledged',
  'unanswered',
  'expired',
  'failed',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Status changes a receipt stream may show; anything else is a bug the chaos suite must catch. */
export const ALLOWED_STATUS_CHANGES: Readonly<Record<DeliveryStatus | 'new', readonly DeliveryStatus[]>> = {
  new: ['queued', 'sending', 'expired', 'failed', 'cancelled'],
  // `delivered`: a late receipt of an attempt given up on (its channel went down) still proves it.
  queued: ['sending', 'delivered', 'acknowledged', 'unanswered', 'expired', 'failed', 'cancelled'],
  sending: ['queued', 'sending', 'sent', 'delivered', 'acknowledged', 'unanswered', 'expired', 'failed', 'cancelled'],
  sent: ['queued', 'sending', 'delivered', 'acknowledged', 'unanswered', 'expired', 'failed', 'cancelled'],
  delivered: ['queued', 'sending', 'acknowledged', 'unanswered', 'cancelled'],
  acknowledged: [],
  unanswered: [],
  expired: [],
  failed: [],
  cancelled: [],
};
