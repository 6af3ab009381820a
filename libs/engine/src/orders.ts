import type { OrderSpec } from '@lifeline/domain';
import type { OrderReach, OrderRow } from '@lifeline/store';
import type { Accepted, AcceptOptions } from './order-service';
import type { Principal } from './principal';

/**
 * Orders as the transports and CAP use them. The node that writes accepts and cancels itself
 * (OrderService); a follower of a cluster asks that node (ForwardedOrders). Both answer only
 * after the writer committed.
 */
export interface Orders {
  accept(p: Principal, clientRef: string, spec: OrderSpec, options?: AcceptOptions): Promise<Accepted>;
  cancel(p: Principal, orderId: string): Promise<number>;
  targets(p: Principal, to: OrderSpec['to']): Promise<{ scope: string | null; reach: OrderReach }>;
  checkVisible(p: Principal, orderId: string): Promise<OrderRow>;
}
