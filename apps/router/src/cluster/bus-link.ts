import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import type { Subscription } from 'rxjs';
import { natsOptions } from './bus';
import { retryEvery, type Retrying } from './retry-every';

/**
 * A node's sending connection to the bus, and whether it is up now: connected at once and,
 * while the server cannot be reached, tried again every `retryMs` (once connected, NATS's own
 * reconnection takes over). A follower's `/health` says so while it cannot pass orders on.
 */
export class BusLink {
  readonly client: ClientProxy;
  private up = false;
  private readonly connecting: Retrying;
  private readonly watching: Subscription;

  constructor(bus: string, node: string | null, retryMs = 2_000) {
    this.client = ClientProxyFactory.create({ transport: Transport.NATS, options: natsOptions(bus, node, 'client') });
    this.watching = this.client.status.subscribe((s) => (this.up = s === 'connected'));
    // Failures are told by /health (the follower's `failure`), not logged here.
    this.connecting = retryEvery(retryMs, () => this.client.connect().then(() => void (this.up = true)), () => undefined);
  }

  get connected(): boolean {
    return this.up;
  }

  async close(): Promise<void> {
    await this.connecting.stop();
    this.watching.unsubscribe();
    await this.client.close();
  }
}
