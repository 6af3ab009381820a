import type { OrderSpec } from '@lifeline/domain';
import type { OrderRow, OrderReach } from '@lifeline/store';
import type { Accepted, AcceptOptions } from '../orders';
import { RequestError } from '../request-error';
import type { OrderTargets } from '../order-targets';
import type { Orders } from '../orders';
import type { Principal } from '../principal';
import type { Leader } from './leader';

/**
 * Orders on a follower: whom an order picks and who may see one are read here; accepting and
 * cancelling are asked of the active node, which checks everything again and commits.
 */
export class ForwardedOrders implements Orders {
  constructor(
    private readonly who: OrderTargets,
    private readonly leader: Leader,
  ) {}

  accept(p: Principal, clientRef: string, spec: OrderSpec, options: AcceptOptions = {}): Promise<Accepted> {
    // An alert's update (CAP) is written where the alert is: on the active node.
    if (options.supersedes?.length) return Promise.reject(new RequestError('not_active', 'alert updates are taken by the active node'));
    return this.leader.accept(p, clientRef, spec);
  }

  /** A resend picks its people from the first order's deliveries: written where they are, on the active node. */
  async resend(p: Principal, orderId: string): Promise<Accepted> {
    await this.who.checkVisible(p, orderId);
    throw new RequestError('not_active', 'a resend is taken by the active node');
  }

  async cancel(p: Principal, orderId: string): Promise<number> {
    await this.who.checkVisible(p, orderId);
    return this.leader.cancel(p, orderId);
  }

  targets(p: Principal, to: OrderSpec['to']): Promise<{ scope: string | null; reach: OrderReach }> {
    return this.who.targets(p, to);
  }

  checkVisible(p: Principal, orderId: string): Promise<OrderRow> {
    return this.who.checkVisible(p, orderId);
  }
}
