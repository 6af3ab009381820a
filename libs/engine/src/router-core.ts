import { yieldTurn, type Clock } from '@lifeline/clock';
import { AreaTree, Reach, SILENT_LOG, type Area, type ChannelState, type Log } from '@lifeline/domain';
import type { Storage } from '@lifeline/store';
import type { Observable } from 'rxjs';
import { ChannelHealth, type ChannelStatus } from './channel-health';
import { ChannelWakeups } from './channel-wakeups';
import type { NodeCore } from './cluster/node-core';
import type { EngineConfig } from './config';
import { DeliveryEngine } from './delivery-engine';
import { DeliveryStepper } from './delivery-stepper';
import { ALL_HERE } from './lane-placement';
import { RemoteLanes, type LaneTransport } from './cluster/remote-lanes';
import { Dispatcher } from './dispatcher';
import { EventBus, type BusEvent, type BusOrder } from './event-bus';
import { GatewayHub } from './gateway-hub';
import { GatewayInbound, type InboundReply } from './gateway-inbound';
import { gatewayKey, GatewaySessions } from './gateway-sessions';
import { OrderCache } from './order-cache';
import { OrderService } from './order-service';
import { OrderTargets } from './order-targets';
import { Outages } from './outages';
import { LanePollers } from './pollers';
import { Relays, type Mission } from './relays';
import { resendInFlight, resume } from './resume';
import type { SendItem } from './send-item';
import { Tasks } from './tasks';

export interface RouterCoreOptions {
  store: Storage;
  clock: Clock;
  config: EngineConfig;
  areas: readonly Area[];
  log?: Log;
  /**
   * A node of a cluster on PostgreSQL with several lanes: the other nodes that may carry out its
   * lanes (the bus), and this node's name. Without it every lane runs here.
   */
  lanesElsewhere?: { transport: LaneTransport; node: string; leaseMs: number };
}

/**
 * The router without its transports: the composition root. It builds every part in dependency
 * order (each part subscribes to the streams of the parts built before it; nothing is wired
 * afterwards) and is the narrow facade the apps use. The use cases live in their parts: orders
 * in and out (OrderService), what gateways say (GatewayInbound), channel wake-ups, the expiry
 * sweep and the timers (pollers), outages and relays.
 */
export class RouterCore implements NodeCore {
  readonly areas: AreaTree;
  readonly orders: OrderService;
  readonly outages: Outages;
  /** The gateway-link port: simulators and the `/gateway` socket open gateway sessions here. */
  readonly gateways: GatewayHub;
  /** Parts the medium-tier tests reach into; apps use the methods below. */
  readonly engine: DeliveryEngine;
  readonly clock: Clock;
  private readonly reach: Reach;
  private readonly tasks: Tasks;
  private readonly sessions: GatewaySessions;
  private readonly dispatcher: Dispatcher;
  private readonly health: ChannelHealth;
  private readonly inbound: GatewayInbound;
  private readonly relays: Relays;
  private readonly pollers: LanePollers;
  private readonly remoteLanes: RemoteLanes | null;

  /**
   * Builds the router and restores what it knew (channel states, outages) before anything can
   * connect to it; `start` then resumes the work.
   */
  static async create(o: RouterCoreOptions): Promise<RouterCore> {
    // Lanes commit at once: the bus puts their events back in seq order, from the next one on.
    const order: BusOrder | null = o.store.lanes > 1 ? { next: (await o.store.read.events.maxSeq()) + 1, events: o.store.read.events, clock: o.clock } : null;
    const core = new RouterCore(o, new EventBus(order));
    await core.health.load();
    await core.outages.load();
    return core;
  }

  private constructor(
    private readonly o: RouterCoreOptions,
    private readonly bus: EventBus,
  ) {
    const { store, clock, config } = o;
    const channels = config.channels;
    const relays = config.relays ?? { resources: [], areaDepth: 2, checkEveryS: 60 };
    this.clock = clock;
    this.tasks = new Tasks(o.log ?? SILENT_LOG);
    this.areas = new AreaTree(o.areas);
    this.reach = new Reach(this.areas);
    const orders = new OrderCache();
    const stepper = new DeliveryStepper(config, this.reach, orders);
    const away = o.lanesElsewhere;
    this.remoteLanes =
      away && store.grants && store.lanes > 1
        ? new RemoteLanes({ ...away, lanes: store.lanes, grants: store.grants, reach: this.reach, stepper, read: store.read, clock, tasks: this.tasks, timeoutMs: away.leaseMs / 2 })
        : null;
    this.engine = new DeliveryEngine(store, clock, config, stepper, this.remoteLanes ?? ALL_HERE, orders, this.bus, this.tasks);
    this.health = new ChannelHealth(store, clock, this.reach, this.areas, channels, this.bus, this.tasks);
    new ChannelWakeups(store, clock, this.areas, this.engine, this.health, this.tasks);
    this.sessions = new GatewaySessions(this.reach, clock);
    this.dispatcher = new Dispatcher(clock, channels, this.areas, this.sessions, this.engine, Math.floor(config.dispatchHighWater / 2), (id) => orders.isCancelled(id));
    const mobile = new Set(relays.resources.map((r) => gatewayKey(r.channel, r.id)));
    this.inbound = new GatewayInbound(store, clock, channels, this.engine, this.dispatcher, this.health, this.reach, this.areas, this.sessions, this.tasks, mobile, config.linkGraceS * 1000);
    this.gateways = new GatewayHub(this.areas, clock, this.sessions, this.inbound, this.tasks, o.log ?? SILENT_LOG);
    this.orders = new OrderService(store, clock, this.areas, this.bus, this.engine, config.startBatch, new OrderTargets(store.read, this.areas));
    this.outages = new Outages(store, clock, this.areas, this.reach, this.health, channels, this.tasks);
    this.relays = new Relays(store, clock, this.areas, this.reach, this.outages.board, this.bus, channels, relays, this.tasks);
    this.pollers = new LanePollers(this.engine, this.dispatcher, store, config, clock, this.tasks, this.orders);
    const { engine, dispatcher } = this;
    this.remoteLanes?.takenBack$.subscribe((lane) => {
      this.tasks.track(resendInFlight({ store, engine, dispatcher }, engine.lanes[lane].partitions));
      this.pollers.wake(lane, clock.now());
    });
  }

  /** Resumes the work from rows alone, overdue work first (resume.ts). */
  start(): Promise<void> {
    const { store, clock, config } = this.o;
    const { engine, dispatcher, orders, pollers, relays, health, tasks } = this;
    return resume({ store, clock, engine, dispatcher, orders, pollers, relays, health, tasks, gatewayGraceS: config.gatewayGraceS });
  }

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

  /** Waits until nothing in-process is pending: engine, writer, wakes. Tests and shutdown use it. */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      await yieldTurn();
      const busy = this.engine.busy || this.o.store.pendingWrites > 0 || this.tasks.size > 0 || this.pollers.running;
      if (busy) {
        quiet = 0;
        await Promise.all([this.tasks.all(), this.engine.idle()]);
      } else quiet++;
    }
  }

  /**
   * Stops reacting to the world (gateways leaving, timers, outage and relay schedules) before the
   * transports close: a router that stops is not an outage, and changes no state because of it.
   */
  quiesce(): void {
    if (this.tasks.stopped) return;
    this.tasks.stopped = true;
    this.pollers.stop();
    this.remoteLanes?.stop();
    this.dispatcher.stop();
    this.outages.stop();
    this.relays.stop();
  }

  /** Quiesces, then finishes the writes in flight. */
  async stop(): Promise<void> {
    this.quiesce();
    await this.settle();
  }
}
