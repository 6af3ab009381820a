import type { ClientProxy } from '@nestjs/microservices';
import { SUBJECTS } from './bus-messages';

const EVERY_MS = 1_000;

/**
 * A follower's offer to carry out lanes of the active node's delivery work, said every second on
 * the bus: the active node gives lanes only to nodes it heard lately, so a node that stops
 * offering (stopped, cut off from the bus) gets no more jobs.
 */
export class LaneOffer {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  /** Offers from when `listening` resolves: this node hears lane jobs (no offer before it could take one). */
  constructor(bus: ClientProxy, node: string, listening: Promise<void>) {
    const offer = () => bus.emit(SUBJECTS.lanesOffer, { node }).subscribe({ error: () => undefined });
    void listening.then(() => {
      if (this.closed) return;
      offer();
      this.timer = setInterval(offer, EVERY_MS);
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }
}
