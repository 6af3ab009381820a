import type { Clock } from '@lifeline/clock';
import type { AreaTree, ChannelState, Reach } from '@lifeline/domain';
import type { Observable } from 'rxjs';
import type { ChannelHealth, ChannelStatus } from './channel-health';
import type { NodeCore } from './cluster/node-core';
import type { RemoteLanes } from './cluster/remote-lanes';
import type { DeliveryEngine } from './delivery-engine';
import type { Dispatcher } from './dispatcher';
import type { BusEvent, EventBus } from './event-bus';
import type { GatewayHub } from './gateway-hub';
import type { GatewayInbound, InboundReply } from './gateway-inbound';
import type { GatewaySessions } from './gateway-sessions';
import type { OrderService } from './order-service';
import type { Outages } from './outages';
import type { Mission, Relays } from './relays';
import type { SendItem } from './send-item';

/**
 * What apps, drills and scripts may ask of the router: the narrow facade over the parts that
 * `RouterCore` (the composition root) builds. Use cases are reached through their own parts
 * (`orders`, `outages`, `gateways`); everything else is a question or a stream.
 */
export abstract class RouterFacade implements NodeCore {
  abstract readonly areas: AreaTree;
  abstract readonly clock: Clock;
  abstract readonly orders: OrderService;
  abstract readonly outages: Outages;
  /** The gateway-link port: simulators and the `/gateway` socket open gateway sessions here. */
  abstract readonly gateways: GatewayHub;
  protected abstract readonly bus: EventBus;
  protected abstract readonly reach: Reach;
  protected abstract readonly engine: DeliveryEngine;
  protected abstract readonly sessions: GatewaySessions;
  protected abstract readonly dispatcher: Dispatcher;
  protected abstract readonly health: ChannelHealth;
  protected abstract readonly inbound: GatewayInbound;
  protected abstract readonly relays: Relays;
  protected abstract readonly remoteLanes: RemoteLanes | null;

  abstract stop(): Promise<void>;

  /** Committed events, as they happen: receipts, channel states, orders accepted, relays. */
  get events$(): Observable<BusEvent> {
    return this.bus.events$;
  }

  /** Sends handed to gateways, and answers gateways brought: for observers (the chaos suite). */
  get sent$(): Observable<{ gateway: string; item: SendItem }> {
    return this.sessions.sent$;
  }

  get replies$(): Observable<InboundReply> {
    return this.inbound.replies$;
  }

  /** A message from a person, as a gateway of `channel` would bring it. */
  reply(channel: string, from: string, text: string): Promise<boolean> {
    return this.inbound.reply(channel, from, text);
  }

  channelStates(): ChannelStatus[] {
    return this.health.list();
  }

  /** What the router believes of `channel` in `area` now (or at `at`, given what it knows now). */
  channelState(channel: string, area: string, at = this.clock.now()): ChannelState {
    return this.reach.state(channel, area, at);
  }

  /** Whether one gateway reaches `area` now and may be used there. */
  gatewayReaches(channel: string, gatewayId: string, area: string): boolean {
    return this.reach.coversBy(channel, gatewayId, area, this.clock.now());
  }

  relayMissions(): Mission[] {
    return this.relays.list();
  }

  /** Relay resources arriving on station and leaving (in drills a simulated gateway follows each). */
  get relayArrivals$(): Observable<Mission> {
    return this.relays.arrivals$;
  }

  get relayDepartures$(): Observable<Mission> {
    return this.relays.departures$;
  }

  /** Figures for metrics and the bench. */
  stats() {
    const holders = this.remoteLanes?.holders();
    return {
      engine: this.engine.stats,
      lanes: this.engine.lanes.map((l, i) => ({ queued: l.queued, node: holders?.[i] ?? null })),
      dispatcher: { ...this.dispatcher.stats, pending: this.dispatcher.pending, inFlight: this.dispatcher.inFlightCount },
      gateways: this.gateways.connected(),
    };
  }
}
