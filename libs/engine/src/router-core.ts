import { yieldTurn, type Clock } from '@lifeline/clock';
import { AreaTree, Reach, SILENT_LOG, type Area, type Log } from '@lifeline/domain';
import type { Storage } from '@lifeline/store';
import { ChannelHealth } from './channel-health';
import { ChannelWakeups } from './channel-wakeups';
import { LaneTakeBack } from './cluster/lane-take-back';
import { RemoteLanes, type LaneTransport } from './cluster/remote-lanes';
import type { EngineConfig } from './config';
import { DeliveryEngine } from './delivery-engine';
import { DeliveryStepper } from './delivery-stepper';
import { Dispatcher } from './dispatcher';
import { EventBus, type BusOrder } from './event-bus';
import { GatewayHub } from './gateway-hub';
import { GatewayInbound } from './gateway-inbound';
import { gatewayKey, GatewaySessions } from './gateway-sessions';
import { ALL_HERE } from './lane-placement';
import { OrderCache } from './order-cache';
import { OrderService } from './order-service';
import { OrderTargets } from './order-targets';
import type { Orders } from './orders';
import { Outages } from './outages';
import { LanePollers } from './pollers';
import { Relays, type RelayConfig } from './relays';
import { resume } from './resume';
import { RouterFacade } from './router-facade';
import { Tasks } from './tasks';

const NO_RELAYS: RelayConfig = { resources: [], areaDepth: 2, checkEveryS: 60 };

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
 * afterwards), starts and stops them. Apps ask through the facade it extends (router-facade.ts).
 * The use cases live in their parts: orders in and out (OrderService), what gateways say
 * (GatewayInbound), channel wake-ups, timers (TimerPoller), the expiry sweep, outages and relays.
 */
export class RouterCore extends RouterFacade {
  readonly areas: AreaTree;
  readonly clock: Clock;
  readonly orders: OrderService;
  readonly outages: Outages;
  readonly gateways: GatewayHub;
  /** Public for the medium-tier tests only, which stage states between two commits. */
  readonly engine: DeliveryEngine;
  protected readonly reach: Reach;
  protected readonly sessions: GatewaySessions;
  protected readonly dispatcher: Dispatcher;
  protected readonly health: ChannelHealth;
  protected readonly inbound: GatewayInbound;
  protected readonly relays: Relays;
  protected readonly remoteLanes: RemoteLanes | null;
  private readonly tasks: Tasks;
  private readonly pollers: LanePollers;

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
    protected readonly bus: EventBus,
  ) {
    super();
    const { store, clock, config } = o;
    const channels = config.channels;
    const relays = config.relays ?? NO_RELAYS;
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
    if (this.remoteLanes) new LaneTakeBack(this.remoteLanes, store, this.engine, this.dispatcher, this.pollers, clock, this.tasks);
  }

  /** Resumes the work from rows alone, overdue work first (resume.ts). */
  start(): Promise<void> {
    const { store, clock, config } = this.o;
    const { engine, dispatcher, orders, pollers, relays, health, tasks } = this;
    return resume({ store, clock, engine, dispatcher, orders, pollers, relays, health, tasks, gatewayGraceS: config.gatewayGraceS });
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
    for (const part of [this.pollers, this.remoteLanes, this.dispatcher, this.outages, this.relays]) part?.stop();
  }

  /**
   * Accepting alone, for the bench: an order service that nobody hears and that starts nothing in
   * its transaction, over this router's store and engine.
   */
  acceptOnly(): Orders {
    return new OrderService(this.o.store, this.clock, this.areas, new EventBus(), this.engine, 0, new OrderTargets(this.o.store.read, this.areas));
  }

  /** Quiesces, then finishes the writes in flight. */
  async stop(): Promise<void> {
    this.quiesce();
    await this.settle();
  }
}
