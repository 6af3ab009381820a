import type { Clock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import type { DeliveryEngine } from '../delivery-engine';
import type { Dispatcher } from '../dispatcher';
import type { LanePollers } from '../pollers';
import { resendInFlight } from '../resume';
import type { Tasks } from '../tasks';
import type { RemoteLanes } from './remote-lanes';

/**
 * A lane back from a node that failed a job or went silent: that node may have committed sends it
 * never handed over, and timers this node never heard of. The lane's in-flight attempts are sent
 * again at once with the same ids (gateways answer or drop a repeat), and its timers and expiries
 * are looked at now.
 */
export class LaneTakeBack {
  constructor(lanes: RemoteLanes, store: Storage, engine: DeliveryEngine, dispatcher: Dispatcher, pollers: LanePollers, clock: Clock, tasks: Tasks) {
    lanes.takenBack$.subscribe((lane) => {
      tasks.track(resendInFlight({ store, engine, dispatcher }, engine.lanes[lane].partitions));
      pollers.wake(lane, clock.now());
    });
  }
}
