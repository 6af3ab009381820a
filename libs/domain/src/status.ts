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

/** The terminal never confirmed it: "not reached" on the console, and whom a resend to them picks. */
export const NOT_REACHED_STATUSES: readonly DeliveryStatus[] = ['queued', 'sending', 'sent', 'expired', 'failed'];
/** No answer (yet): everyone but those who answered and those cancelled. */
export const NOT_ANSWERED_STATUSES: readonly DeliveryStatus[] = ['queued', 'sending', 'sent', 'delivered', 'unanswered', 'expired', 'failed'];
