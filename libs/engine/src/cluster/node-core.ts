import type { Clock } from '@lifeline/clock';
import type { AreaTree } from '@lifeline/domain';
import type { Observable } from 'rxjs';
import type { ChannelStatus } from '../channel-health';
import type { BusEvent } from '../event-bus';
import type { Orders } from '../orders';
import type { Outages } from '../outages';
import type { Mission } from '../relays';

/**
 * What the transports (HTTP, console WebSocket, CAP) need of a router node: the node that writes
 * (`RouterCore`) and a follower of a cluster (`FollowerCore`) both are one.
 */
export interface NodeCore {
  readonly areas: AreaTree;
  readonly clock: Clock;
  readonly orders: Orders;
  readonly outages: Pick<Outages, 'list' | 'add' | 'end'>;
  /** Committed events, as they happen. */
  readonly events$: Observable<BusEvent>;
  channelStates(): ChannelStatus[];
  relayMissions(): Mission[];
  /** Finishes what is under way (RouterCore: the writes in flight). */
  stop(): Promise<void>;
}
