import type { Priority } from '@lifeline/domain';

/**
 * One attempt's send: decided by the engine in a transaction, handed to the dispatcher once that
 * transaction has committed, and by it to a gateway (as the contract's `send` frame).
 */
export interface SendItem {
  attemptId: string;
  deliveryId: string;
  orderId: string;
  channel: string;
  area: string;
  priorityRank: number;
  priority: Priority;
  to: string;
  ref: string;
  text: string;
  ackRequired: boolean;
}
