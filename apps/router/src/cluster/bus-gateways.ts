import type { GatewayLink } from '@lifeline/channels';
import type { NodeCore } from '@lifeline/engine';
import { natsServers, NatsLinkServer, type LinkAuthorizer } from '@lifeline/gateway-sdk';
import { connect, type NatsConnection } from 'nats';
import type { Subscription } from 'rxjs';
import type { Lifeline } from '../lifeline';
import { gatewayAuth } from '../ws/gateway.socket';
import { retryEvery, type Retrying } from './retry-every';

/**
 * Gateways linked over NATS, on the node that sends (contract section 5, "over NATS"): each link
 * becomes a session of the gateway hub, as a `/gateway` WebSocket does. A gateway token opens a
 * link and is checked again at every frame and beat, and a revocation ends its links at once. Failed opens
 * are not limited per address as upgrades are: the bus has no client addresses; it is a network
 * of the cluster's own, with its own authentication.
 */
export class BusGateways {
  private nc: NatsConnection | null = null;
  private server: NatsLinkServer | null = null;
  private closed = false;
  private connecting: Retrying | null = null;
  private revocations: Subscription | null = null;

  private constructor(
    private readonly lifeline: Lifeline<NodeCore>,
    private readonly hub: GatewayLink,
  ) {}

  /** Starts listening once NATS is reached (now, or when it comes up: tried every 2 s). */
  static start(lifeline: Lifeline<NodeCore>, hub: GatewayLink, bus: string): BusGateways {
    const g = new BusGateways(lifeline, hub);
    g.connecting = retryEvery(2_000, () => g.connect(bus), (e) => lifeline.log.warn(`gateway links over NATS: ${e.message}; trying again every 2 s`));
    return g;
  }

  private async connect(bus: string): Promise<void> {
    const nc = await connect({ ...natsServers(bus), name: `lifeline-gateways${this.lifeline.node ? `:${this.lifeline.node}` : ''}`, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    if (this.closed) return void nc.close();
    this.nc = nc;
    this.server = new NatsLinkServer(nc, this.authorize, (m) => this.lifeline.log.warn(m));
    // A revocation ends its links at once, as it cuts sockets.
    this.revocations = this.lifeline.auth.revoked$.subscribe(() => this.server?.revalidate());
  }

  private readonly authorize: LinkAuthorizer = async (token) => {
    const p = await this.lifeline.auth.authenticate(token);
    if (!p) return { ok: false, code: 'unauthorized', message: 'expected a valid gateway token' };
    if (p.role !== 'gateway') return { ok: false, code: 'forbidden', message: `a ${p.role} token may not link a gateway` };
    return {
      ok: true,
      key: p.id,
      stillValid: () => this.lifeline.auth.isActive(p),
      open: (peer) => this.hub.open({ send: (frame) => peer.send(JSON.stringify(frame)), close: (reason) => peer.close(reason) }, gatewayAuth(p)),
    };
  };

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.stop();
    this.revocations?.unsubscribe();
    this.server?.close();
    await this.nc?.drain().catch(() => undefined); // the links' "router stopping" goes out before the connection closes
  }
}
