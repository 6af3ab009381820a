import type { Clock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import type { ChannelHealth } from './channel-health';
import type { DeliveryEngine } from './delivery-engine';
import type { Dispatcher } from './dispatcher';
import type { OrderService } from './order-service';
import type { LanePollers } from './pollers';
import type { Relays } from './relays';
import type { Tasks } from './tasks';

const PAGE = 1_000;

/**
 * Sends again, with the same attempt ids, what is in flight in `partitions` (null: all): after a
 * restart, or after a lane came back from a node that may have committed sends it never handed
 * over. Gateways answer, or drop a repeat.
 */
export async function resendInFlight(p: Pick<ResumeParts, 'store' | 'engine' | 'dispatcher'>, partitions: readonly number[] | null): Promise<void> {
  for (let after = ''; ; ) {
    const page = await p.store.read.deliveries.inFlightAfter(after, PAGE, partitions);
    if (!page.length) break;
    const sends = await Promise.all(page.map((d) => p.engine.resend(d)));
    p.dispatcher.enqueue(sends.filter((x) => x !== null));
    after = page[page.length - 1].id;
  }
}

export interface ResumeParts {
  store: Storage;
  clock: Clock;
  engine: DeliveryEngine;
  dispatcher: Dispatcher;
  orders: OrderService;
  pollers: LanePollers;
  relays: Relays;
  health: ChannelHealth;
  tasks: Tasks;
  gatewayGraceS: number;
}

/**
 * Resumes after a (re)start from rows alone. Overdue work is taken up first (the attempts that
 * were in flight, cancels cut short, timers that fell due and deliveries that expired while the
 * router was down), and the starter is kicked only after it: a deadline slips by no more than the
 * time the router was down. (New deliveries may start a little earlier, when the resent attempts
 * drain the dispatcher below its low-water mark: they share the channels, not the deadlines.)
 */
export async function resume(p: ResumeParts): Promise<void> {
  await resendInFlight(p, null);
  // A cancel whose walk the last run did not finish: its deliveries end now (none was sent again above).
  await p.orders.finishCancels();
  await p.pollers.fireDue(); // and each lane's poller waits for its next timer
  await p.pollers.sweep();
  p.pollers.kickStarters();
  await p.relays.start();
  // Gateways of other processes need a moment to reconnect after a restart; then a channel that
  // nobody serves is published `down` (on a first start too), one that came back stays quiet.
  p.clock.schedule(p.clock.now() + p.gatewayGraceS * 1000, () => p.tasks.stopped || p.tasks.track(p.health.reviewAll()));
}
