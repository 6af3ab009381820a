import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import type { Subscription } from 'rxjs';
import { natsOptions } from './bus';

/**
 * A node's sending connection to the bus, and whether it is up now: connected at once and,
 * while the server cannot be reached, tried again every `retryMs` (once connected, NATS's own
 * reconnection takes over). A follower's `/health` says so while it cannot pass orders on.
 */
export class BusLink {
  readonly client: ClientProxy;
  private up = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly watching: Subscription;

  constructor(bus: string, node: string | null, private readonly retryMs = 2_000) {
    this.client = ClientProxyFactory.create({ transport: Transport.NATS, options: natsOptions(bus, node, 'client') });
    this.watching = this.client.status.subscribe((s) => (this.up = s === 'connected'));
    this.connect();
  }

  get connected(): boolean {
    return this.up;
  }

  private connect(): void {
    if (this.closed) return;
    this.client.connect().then(
      () => (this.up = true),
      () => (this.retry = setTimeout(() => this.connect(), this.retryMs)),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.watching.unsubscribe();
    await this.client.close();
  }
}
