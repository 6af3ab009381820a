import type { OrderSpec } from '@lifeline/domain';
import type { Accepted } from '../orders';
import type { Principal } from '../principal';

/**
 * The node that holds the writer lease, as a follower reaches it (over the cluster's bus). It
 * acts for the follower's client by the client's token id, checking that token again itself
 * (revoked, role, areas), and answers only after commit. A refusal arrives as a `RequestError`;
 * no answer at all (no active node, or none in time) as `not_active`: the client tries again,
 * and its `clientRef` makes a second try of an order that did commit harmless.
 */
export interface Leader {
  /** Why orders cannot be passed on now (the bus out of reach); null while they can. */
  readonly failure: string | null;
  /** `p`'s token id, and its address for the audit trail, are what is passed on. */
  accept(p: Principal, clientRef: string, spec: OrderSpec): Promise<Accepted>;
  cancel(p: Principal, orderId: string): Promise<number>;
}
