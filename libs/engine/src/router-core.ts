import type { Clock } from '@lifeline/clock';
import type { GatewayFrame } from '@lifeline/contracts';
import { AreaTree, deliveryId, findRef, isBareAck, parseAttemptId, Reach, type Area, SILENT_LOG, type ChannelState, type Log } from '@lifeline/domain';
import { mayBeSeen, OUT_STATUSES } from '@lifeline/machines';
import type { Store } from '@lifeline/store';
import { ChannelHealth } from './channel-health';
import type { EngineConfig } from './config';
import { DeliveryEngine, type EngineItem, type EngineOutput } from './delivery-engine';
import { Dispatcher } from './dispatcher';
import { EventBus } from './event-bus';
import { GatewayHub, gatewayKey } from './gateway-hub';
import { OrderCache } from './order-cache';
import { OrderService } from './order-service';
import { audit, type Principal } from './principal';
import { Outages } from './outages';
import { Relays } from './relays';
import { ExpirySweep, Starter, TimerPoller } from './pollers';

export interface RouterCoreOptions {
  store: Store;
  clock: Clock;
  config: EngineConfig;
  areas: readonly Area[];
  log?: Log;
}

const PAGE = 1_000;

/**
 * The router without its transports: wires engine, dispatcher, gateway hub, channel health and
 * order service. The Nest app and the medium-tier tests both build exactly this.
 */
export class RouterCore {
  readonly tree: AreaTree;
  readonly reach: Reach;
  readonly bus = new EventBus();
  readonly engine: DeliveryEngine;
  readonly dispatcher: Dispatcher;
  readonly hub: GatewayHub;
  readonly health: ChannelHealth;
  readonly orders: OrderService;
  readonly outages: Outages;
  readonly relays: Relays;
  private readonly starter: Starter;
  private readonly timers: TimerPoller;
  private readonly sweep: ExpirySweep;
  private readonly store: Store;
  readonly clock: Clock;
  private readonly config: EngineConfig;
  private readonly log: Log;
  private background = new Set<Promise<unknown>>();
  /** Attempts sent lately, so a receipt is checked without a read; the attempts table backs it. */
  private readonly sentAttempts = new Map<string, { channel: string; area: string }>();
  private stopped = false;
  /**
   * Gateways of relay resources (their gatewayId is the resource id, on the resource's channel):
   * fixed-site outages spare them.
   */
  private readonly mobileGateways: Set<string>;

  constructor(o: RouterCoreOptions) {
    this.store = o.store;
    this.clock = o.clock;
    this.config = o.config;
    this.log = o.log ?? SILENT_LOG;
    this.tree = new AreaTree(o.areas);
    this.reach = new Reach(this.tree);
    this.engine = new DeliveryEngine(o.store, o.clock, o.config, this.reach, new OrderCache(o.store), this.bus);
    this.hub = new GatewayHub(this.tree, this.reach, o.clock, {
      online: (channel, gatewayId, areas) => this.covered(channel, gatewayId, areas, null),
      offline: (channel, gatewayId) => {
        // Gateways leaving with a router that stops (its own simulators, links it closes) are not
        // a channel failure: nothing is published or moved for them.
        if (this.stopped) return;
        const key = gatewayKey(channel, gatewayId);
        this.dispatcher.gatewayGone(key);
        this.reach.removeCoverage(channel, gatewayId);
        this.reach.clearSource(`gw:${key}`);
        this.track(this.health.recheck(channel, []));
      },
      receipt: (channel, frame) => this.receipt(channel, frame),
      reply: (channel, from, text) => this.reply(channel, from, text),
      health: (channel, gatewayId, frame) => {
        for (const a of frame.areas) this.reach.report(channel, a, `gw:${gatewayKey(channel, gatewayId)}`, frame.state);
        this.track(this.health.recheck(channel, frame.areas));
      },
      coverage: (channel, gatewayId, areas, until) => this.covered(channel, gatewayId, areas, until),
      log: (m) => this.log.warn(m),
    });
    this.dispatcher = new Dispatcher(
      o.clock,
      o.config.channels,
      this.tree,
      this.hub,
      {
        silent: (item, reason) => {
          this.health.failure(item.channel, item.area);
          const p = parseAttemptId(item.attemptId)!;
          this.engine.submit([{ deliveryId: p.deliveryId, event: { type: 'SILENT', at: this.clock.now(), attempt: p.attempt, reason } }]);
        },
        lowWater: () => this.starter.kick(),
      },
      Math.floor(o.config.dispatchHighWater / 2),
    );
    this.health = new ChannelHealth(o.store, o.clock, this.reach, this.tree, o.config.channels, this.bus);
    this.health.onChange = (channel, area, from, to) => this.track(this.wake(channel, area, from, to));
    this.outages = new Outages(o.store, o.clock, this.tree, this.reach, this.health, o.config.channels, (p) => this.track(p));
    const relays = o.config.relays ?? { resources: [], areaDepth: 2, checkEveryS: 60 };
    this.relays = new Relays(o.store, o.clock, this.tree, this.reach, this.outages.board, this.bus, o.config.channels, relays, (p) => this.track(p));
    this.mobileGateways = new Set(relays.resources.map((r) => gatewayKey(r.channel, r.id)));
    this.starter = new Starter(this.engine, this.dispatcher, o.config);
    this.timers = new TimerPoller(this.engine, o.store, o.clock, o.config.eventBatch);
    this.sweep = new ExpirySweep(this.engine, o.store, o.clock, o.config.eventBatch);
    this.engine.sink = { afterCommit: (out) => this.afterCommit(out) };
    this.orders = new OrderService(o.store, o.clock, this.tree, this.bus, {
      // A small flash or immediate order starts in its own transaction: its first attempts leave
      // right after the commit that accepts it, ahead of everything queued.
      inTransaction: (s, a, priority) =>
        (priority === 'flash' || priority === 'immediate') && a.deliveries <= o.config.startBatch
          ? this.engine.applyNow(s.deliveries.openIdsOfOrder(a.orderId, '', a.deliveries).ids.map((id) => ({ deliveryId: id, event: { type: 'START', at: o.clock.now() } })))
          : null,
      committed: (_a, _p, started, expiresAt) => {
        if (started) this.engine.committed(started as EngineOutput);
        this.sweep.consider(expiresAt);
        this.starter.kick();
      },
    });
  }

  /** A gateway reaches `areas` (until a time, for drones): sends may go, waiting deliveries move. */
  private covered(channel: string, gatewayId: string, areas: string[], until: number | null): void {
    this.reach.setCoverage(channel, gatewayId, areas, until, this.mobileGateways.has(gatewayKey(channel, gatewayId)));
    this.dispatcher.drainChannel(channel);
    this.track(this.health.recheck(channel, areas));
  }

  private afterCommit(out: EngineOutput): void {
    if (out.drops.length) this.dispatcher.drop(out.drops);
    if (out.sends.length) {
      for (const i of out.sends) this.sentAttempts.set(i.attemptId, { channel: i.channel, area: i.area });
      while (this.sentAttempts.size > 100_000) this.sentAttempts.delete(this.sentAttempts.keys().next().value!);
      this.dispatcher.enqueue(out.sends);
    }
    if (out.timersArmed !== null) this.timers.consider(out.timersArmed);
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch((e) => this.log.error('background task failed', { err: (e as Error).stack ?? String(e) }));
    this.background.add(t);
    void t.finally(() => this.background.delete(t));
  }

  /**
   * Resumes after a restart from rows alone. Overdue work comes first (the attempts that were in
   * flight, timers that fell due and deliveries that expired while the router was down), before
   * any new delivery starts: a deadline slips by no more than the time the router was down.
   */
  async start(): Promise<void> {
    this.outages.load();
    let after = '';
    for (;;) {
      const page = this.store.deliveries.inFlightAfter(after, PAGE);
      if (!page.length) break;
      this.dispatcher.enqueue(page.map((d) => this.engine.resend(d)).filter((x) => x !== null));
      after = page[page.length - 1].id;
    }
    await this.timers.fireDue();
    await this.sweep.run();
    this.timers.consider(this.store.timers.nextDue() ?? Infinity);
    this.starter.kick();
    this.relays.start();
    // Gateways of other processes need a moment to reconnect after a restart; then a channel that
    // nobody serves is published `down` (on a first start too), one that came back stays quiet.
    this.clock.schedule(this.clock.now() + this.config.gatewayGraceS * 1000, () => this.stopped || this.track(this.health.reviewAll()));
  }

  /** A channel's state changed somewhere: move the deliveries it concerns, page by page. */
  private async wake(channel: string, area: string, from: ChannelState, to: ChannelState): Promise<void> {
    const usable = to !== 'down';
    if (usable === (from !== 'down')) return; // up <-> degraded moves nobody
    const statuses = usable ? ['queued'] : OUT_STATUSES;
    let after: { areaPath: string; id: string } | null = null;
    for (;;) {
      const page = this.store.deliveries.inSubtree(statuses, this.tree.path(area), after, PAGE, usable ? undefined : channel);
      if (!page.length) return;
      this.engine.submit(page.map((r) => ({ deliveryId: r.id, event: { type: 'CHANNEL_CHANGED', at: this.clock.now() } })));
      await this.engine.idle();
      after = { areaPath: page[page.length - 1].area_path, id: page[page.length - 1].id };
    }
  }

  /**
   * A gateway's word on an attempt. False when it tells nothing new (an unknown attempt, a second
   * `delivered`, an answer after the attempt was settled): the hub counts those against flooding.
   */
  private receipt(channel: string, frame: Extract<GatewayFrame, { type: 'accepted' | 'delivered' | 'failed' }>): boolean {
    const p = parseAttemptId(frame.attemptId);
    const cached = this.sentAttempts.get(frame.attemptId);
    const row = p && !cached ? this.store.attempts.get(frame.attemptId) : undefined;
    const attempt = cached ?? row;
    if (!p || !attempt || attempt.channel !== channel) return false;
    if (frame.type === 'delivered') {
      if (row?.status === 'delivered') return false;
      this.sentAttempts.delete(frame.attemptId);
    }
    const at = this.clock.now();
    // Only the first answer of an attempt speaks for the channel's health: a gateway repeating a
    // failure must not trip the breaker for everyone.
    const first = frame.type !== 'delivered' && this.dispatcher.answered(frame.attemptId);
    let item: EngineItem;
    if (frame.type === 'accepted') {
      if (first) this.health.success(channel, attempt.area);
      const deliveryTimeoutMs = (this.engine.spec(channel)?.deliveryTimeoutS ?? 60) * 1000;
      item = { deliveryId: p.deliveryId, event: { type: 'ACCEPTED', at, attempt: p.attempt, deliveryTimeoutMs } };
    } else if (frame.type === 'delivered') {
      item = { deliveryId: p.deliveryId, event: { type: 'DELIVERED', at, attempt: p.attempt } };
    } else {
      if (first && !frame.permanent) this.health.failure(channel, attempt.area);
      item = { deliveryId: p.deliveryId, event: { type: 'FAILED', at, attempt: p.attempt, permanent: frame.permanent, reason: frame.reason } };
    }
    this.engine.submit([item]);
    return frame.type === 'delivered' || first;
  }

  /**
   * A message from a person: matched by order ref, or a bare "1" to their most recent open
   * delivery that may have reached them. The machine has the last word: an answer to an order
   * never sent to the person is not 叫应 and changes nothing. (Checking `sent` here instead would
   * miss an `accepted` still queued ahead of the answer.)
   */
  reply(channel: string, from: string, text: string): boolean {
    const spec = this.engine.spec(channel);
    const personId = spec && this.store.directory.byTerminal(spec.terminal, from);
    if (!personId) return false;
    let target: string | undefined;
    for (const ref of findRef(text)) {
      const order = this.store.orders.openByRef(ref);
      const id = order && deliveryId(order.id, personId);
      const d = id ? this.store.deliveries.load([id]).get(id) : undefined;
      if (d?.machine && mayBeSeen(d.machine)) {
        target = d.id;
        break;
      }
    }
    if (!target && isBareAck(text)) target = this.store.deliveries.openFor(personId, 20).find((d) => d.machine && mayBeSeen(d.machine))?.id;
    if (!target) return false;
    this.engine.submit([{ deliveryId: target, event: { type: 'REPLY', at: this.clock.now(), channel, text } }]);
    return true;
  }

  /** Cancels every open delivery of the order; resolves when the cancellations are committed. */
  async cancel(p: Principal, orderId: string): Promise<number> {
    this.orders.checkVisible(p, orderId);
    await this.store.write((s) => {
      s.orders.markCancelled(orderId);
      audit(s, p, this.clock.now(), 'order.cancel', orderId);
    });
    let after: string | null = '';
    let n = 0;
    while (after !== null) {
      const page = this.store.deliveries.openIdsOfOrder(orderId, after, PAGE);
      this.engine.submit(page.ids.map((id) => ({ deliveryId: id, event: { type: 'CANCEL', at: this.clock.now() } })));
      await this.engine.idle();
      n += page.ids.length;
      after = page.last;
    }
    return n;
  }

  /** Waits until nothing in-process is pending: engine, writer, wakes. Tests and shutdown use it. */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      await new Promise((r) => setImmediate(r));
      const busy = this.engine.busy || this.store.writer.pending > 0 || this.background.size > 0 || this.starter.running || this.timers.running;
      if (busy) {
        quiet = 0;
        await Promise.all([...this.background, this.engine.idle()]);
      } else quiet++;
    }
  }

  /**
   * Stops reacting to the world (gateways leaving, timers, outage and relay schedules) before the
   * transports close: a router that stops is not an outage, and changes no state because of it.
   */
  quiesce(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.stop();
    this.sweep.stop();
    this.outages.stop();
    this.relays.stop();
  }

  /** Quiesces, then finishes the writes in flight. */
  async stop(): Promise<void> {
    this.quiesce();
    await this.settle();
  }
}
