import type { LaneJobMessage, LaneTransport } from '@lifeline/engine';
import { firstValueFrom, timeout } from 'rxjs';
import { BusLink } from './bus-link';
import { laneJobSubject } from './bus-messages';

/** How long after its last offer a node still counts as ready to carry out lanes (it offers every second). */
const OFFER_LASTS_MS = 3_000;

/**
 * The active node's way to the nodes that carry out its lanes: their offers, heard on the bus
 * (`LeaderController`), and each job as a request to the node's own subject. A request the bus
 * drops, or a node that does not answer in time, is a failed job: `RemoteLanes` takes the lane back.
 */
export class BusLanes implements LaneTransport {
  private readonly link: BusLink;
  private readonly offers = new Map<string, number>();

  constructor(bus: string, node: string) {
    this.link = new BusLink(bus, `${node}:lanes`);
  }

  /** `node` offered to carry out lanes. */
  heard(node: string): void {
    this.offers.set(node, Date.now());
  }

  workers(): readonly string[] {
    const now = Date.now();
    for (const [node, at] of this.offers) if (now - at > OFFER_LASTS_MS) this.offers.delete(node);
    return this.link.connected ? [...this.offers.keys()] : [];
  }

  request(node: string, message: LaneJobMessage | { probe: true }, timeoutMs: number): Promise<unknown> {
    return firstValueFrom(this.link.client.send(laneJobSubject(node), message).pipe(timeout(timeoutMs)));
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
