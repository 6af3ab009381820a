import type { ClientProxy } from '@nestjs/microservices';
import { SUBJECTS } from './bus-messages';

const EVERY_MS = 1_000;

/**
 * A follower's offer to carry out lanes of the active node's delivery work, said every second on
 * the bus: the active node gives lanes only to nodes it heard lately, so a node that stops
 * offering (stopped, cut off from the bus) gets no more jobs.
 */
export class LaneOffer {
  private readonly timer: NodeJS.Timeout;

  constructor(bus: ClientProxy, node: string) {
    const offer = () => bus.emit(SUBJECTS.lanesOffer, { node }).subscribe({ error: () => undefined });
    offer();
    this.timer = setInterval(offer, EVERY_MS);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
