import type { OrderSpec } from '@lifeline/domain';
import type { OrderReach, OrderRow } from '@lifeline/store';
import type { Principal } from './principal';

export interface Accepted {
  orderId: string;
  ref: string;
  deliveries: number;
  seq: number;
  replayed: boolean;
}

export interface AcceptOptions {
  /** Orders the new one replaces (an alert's update): people who acknowledged them are not asked again. */
  supersedes?: readonly string[];
}

/** Whom a resend picks of the first order's people. */
export type ResendPeople = 'notAnswered' | 'notReached';

/** What a resend changes of the first order; the rest is the first order's. */
export interface ResendChanges {
  priority?: OrderSpec['priority'];
  body?: string;
  summary?: string;
  ackRequired?: boolean;
  ackWithinS?: number;
  ttlS?: number;
}

/**
 * Orders as the transports and CAP use them. The node that writes accepts and cancels itself
 * (OrderService); a follower of a cluster asks that node (ForwardedOrders). Both answer only
 * after the writer committed.
 */
export interface Orders {
  accept(p: Principal, clientRef: string, spec: OrderSpec, options?: AcceptOptions): Promise<Accepted>;
  /** A new order to the first order's people who have not answered (or were not reached). */
  resend(p: Principal, orderId: string, clientRef: string, people: ResendPeople, changes?: ResendChanges): Promise<Accepted>;
  cancel(p: Principal, orderId: string): Promise<number>;
  targets(p: Principal, to: OrderSpec['to']): Promise<{ scope: string | null; reach: OrderReach }>;
  checkVisible(p: Principal, orderId: string): Promise<OrderRow>;
}
