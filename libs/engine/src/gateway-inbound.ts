import type { Clock } from '@lifeline/clock';
import type { GatewayFrame } from '@lifeline/contracts';
import { BoundedMap, deliveryId, findRef, isBareAck, parseAttemptId, type AreaTree, type Channels, type ChannelState, type Reach } from '@lifeline/domain';
import { mayBeSeen, wasSent } from '@lifeline/machines';
import type { Storage } from '@lifeline/store';
import { Subject, type Observable } from 'rxjs';
import type { ChannelHealth } from './channel-health';
import type { DeliveryEngine } from './delivery-engine';
import type { EngineItem } from './engine-item';
import type { Dispatcher } from './dispatcher';
import { gatewayKey, type GatewaySessions } from './gateway-sessions';
import type { Tasks } from './tasks';

/** A message from a person, as a gateway brought it, and whether it was matched to a delivery. */
export interface InboundReply {
  channel: string;
  from: string;
  text: string;
  matched: boolean;
}

/**
 * Where a gateway's frame came from: its channel, its key (channel and id), and the areas its
 * token may speak for (null: every area). A gateway answers only for what it was handed or, past
 * what the router remembers, for attempts and people within its areas.
 */
export interface GatewaySource {
  channel: string;
  key: string;
  areas: readonly string[] | null;
}

/** Recent sends remembered, so a receipt is checked without a read (the attempts table backs it). */
const RECENT_SENDS = 100_000;

interface RecentSend {
  channel: string;
  area: string;
  /** The gateways it was handed to (more than one after a gateway left with it). */
  gateways: string[];
}

/**
 * What gateways tell the router, as use cases: receipts for attempts, answers from people, and
 * their presence (hello, coverage, health, leaving), plus their silence (a send nobody answered).
 * Each becomes engine events, channel health and reach; nothing here parses frames (the hub does).
 */
export class GatewayInbound {
  /** Attempts sent lately, with where they went. */
  private readonly sent = new BoundedMap<string, RecentSend>(RECENT_SENDS);
  private readonly repliesSubject = new Subject<InboundReply>();
  /** Gateways whose link dropped, within their grace: the cancel of each one's deadline. */
  private readonly away = new Map<string, () => void>();
  /** Every answer a gateway brought (observers: the chaos suite checks acknowledgements). */
  readonly replies$: Observable<InboundReply> = this.repliesSubject.asObservable();

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly channels: Channels,
    private readonly engine: DeliveryEngine,
    private readonly dispatcher: Dispatcher,
    private readonly health: ChannelHealth,
    private readonly reach: Reach,
    private readonly tree: AreaTree,
    sessions: GatewaySessions,
    private readonly tasks: Tasks,
    /** Keys of relay resources' gateways (their id on their channel): fixed-site outages spare them. */
    private readonly mobile: ReadonlySet<string>,
    /** How long a gateway whose link dropped keeps what it was handed (engine config `linkGraceS`). */
    readonly linkGraceMs: number,
  ) {
    sessions.sent$.subscribe(({ gateway, item }) => {
      const known = this.sent.get(item.attemptId);
      if (known) known.gateways.push(gateway);
      else this.sent.set(item.attemptId, { channel: item.channel, area: item.area, gateways: [gateway] });
    });
    dispatcher.silent$.subscribe(({ item, reason }) => {
      this.health.failure(item.channel, item.area);
      const p = parseAttemptId(item.attemptId)!;
      this.engine.submit([{ deliveryId: p.deliveryId, event: { type: 'SILENT', at: this.clock.now(), attempt: p.attempt, reason } }]);
    });
  }

  /**
   * A gateway's word on an attempt. False when it tells nothing new (an unknown attempt, a second
   * `delivered`, an answer after the attempt was settled): the hub counts those against flooding.
   */
  async receipt(from: GatewaySource, frame: Extract<GatewayFrame, { type: 'accepted' | 'delivered' | 'failed' }>): Promise<boolean> {
    const { channel } = from;
    const p = parseAttemptId(frame.attemptId);
    const cached = this.sent.get(frame.attemptId);
    const row = p && !cached ? await this.store.read.attempts.get(frame.attemptId) : undefined;
    const attempt = cached ?? row;
    if (!p || !attempt || attempt.channel !== channel) return false;
    // Only a gateway that held the send speaks for it; past memory (a restart), one whose areas hold it.
    if (cached ? !cached.gateways.includes(from.key) : !this.within(attempt.area, from.areas)) return false;
    if (frame.type === 'delivered') {
      if (row?.status === 'delivered') return false;
      this.sent.delete(frame.attemptId);
    }
    const at = this.clock.now();
    // Only the first answer of an attempt speaks for the channel's health: a gateway repeating a
    // failure must not trip the breaker for everyone.
    const first = frame.type !== 'delivered' && this.dispatcher.answered(frame.attemptId);
    let item: EngineItem;
    if (frame.type === 'accepted') {
      if (first) this.health.success(channel, attempt.area);
      const spec = this.channels.get(channel);
      const deliveryTimeoutMs = (spec?.deliveryTimeoutS ?? 60) * 1000;
      const presume = spec?.presumeDeliveredS ?? null;
      item = { deliveryId: p.deliveryId, event: { type: 'ACCEPTED', at, attempt: p.attempt, deliveryTimeoutMs, ...(presume === null ? {} : { presumeDeliveredMs: presume * 1000 }) } };
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
  async reply(source: GatewaySource | string, from: string, text: string): Promise<boolean> {
    const { channel, areas } = typeof source === 'string' ? { channel: source, areas: null } : source;
    const matched = await this.match(channel, areas, from, text);
    this.repliesSubject.next({ channel, from, text, matched });
    return matched;
  }

  private async match(channel: string, areas: readonly string[] | null, from: string, text: string): Promise<boolean> {
    const spec = this.channels.get(channel);
    const personId = spec && (await this.store.read.directory.byTerminal(spec.terminal, from));
    if (!personId) return false;
    // A gateway of some counties cannot answer for a person living elsewhere.
    if (areas && !this.within((await this.store.read.directory.areaOfTerminal(spec.terminal, from)) ?? '', areas)) return false;
    let target: string | undefined;
    for (const ref of findRef(text)) {
      const order = await this.store.read.orders.openByRef(ref);
      const id = order && deliveryId(order.id, personId);
      const d = id ? (await this.store.read.deliveries.load([id])).get(id) : undefined;
      if (d?.machine && mayBeSeen(d.machine)) {
        target = d.id;
        break;
      }
    }
    if (!target && isBareAck(text)) {
      // The most recent order the person surely got; else the most recent whose send is under way
      // (its gateway's acceptance may still be on its way in, ahead of this answer).
      const open = (await this.store.read.deliveries.openFor(personId, 20)).filter((d) => d.machine && mayBeSeen(d.machine));
      target = (open.find((d) => wasSent(d.machine!)) ?? open[0])?.id;
    }
    if (!target) return false;
    // Taken only once committed: a gateway told its reply was taken never says it again (a
    // repeated "1" could acknowledge another order), so a crash before the commit must not have
    // been told so. It waits for its own job only (not for the engine to fall idle, which a busy
    // router may not for long), in line behind what came before it (a gateway's `accepted` for the
    // same delivery must be applied first); while storage is failing, for that job's try only.
    const id = target;
    await new Promise<void>((tried) => this.engine.submit([{ deliveryId: id, event: { type: 'REPLY', at: this.clock.now(), channel, text }, tried }]));
    return true;
  }

  private within(area: string, scope: readonly string[] | null): boolean {
    return !scope || (this.tree.has(area) && scope.some((s) => this.tree.isWithin(area, s)));
  }

  /** A gateway reaches `areas` (until a time, for drones): sends may go, waiting deliveries move. */
  covered(channel: string, gatewayId: string, areas: string[], until: number | null): void {
    this.reach.setCoverage(channel, gatewayId, areas, until, this.mobile.has(gatewayKey(channel, gatewayId)));
    this.dispatcher.drainChannel(channel);
    this.tasks.track(this.health.recheck(channel, areas));
  }

  /** What a gateway reports of its channel's state in some areas. */
  reported(channel: string, gatewayId: string, state: ChannelState, areas: readonly string[]): void {
    for (const a of areas) this.reach.report(channel, a, `gw:${gatewayKey(channel, gatewayId)}`, state);
    this.tasks.track(this.health.recheck(channel, areas));
  }

  /**
   * A gateway's link was replaced by a new one before the old was seen to drop (a blip): it keeps
   * what it was handed, as a gateway back within its grace does; its reports go, and the hello
   * that follows rechecks the channel.
   */
  replaced(channel: string, gatewayId: string): void {
    this.reach.clearSource(`gw:${gatewayKey(channel, gatewayId)}`);
  }

  /** A gateway said hello: if its link had dropped within the grace, it is back with what it held. */
  returned(channel: string, gatewayId: string): void {
    const key = gatewayKey(channel, gatewayId);
    const cancel = this.away.get(key);
    if (!cancel) return;
    cancel();
    this.away.delete(key);
    this.reach.clearSource(`link:${key}`);
  }

  /**
   * A gateway's link dropped. A blip is not an outage: for `linkGraceS` it keeps its coverage and
   * what it was handed (its areas `degraded`, nothing new sent to it); if it is not back by then,
   * it is gone. A link the router cut (`gone`: a revoked token, flooding) is gone at once.
   * Gateways leaving with a router that stops (its own simulators, links it closes) are not a
   * channel failure: nothing is published or moved for them.
   */
  offline(channel: string, gatewayId: string, gone = false): void {
    if (this.tasks.stopped) return;
    const key = gatewayKey(channel, gatewayId);
    if (gone || this.linkGraceMs <= 0) return this.gone(channel, gatewayId);
    const areas = this.reach.coverageAreas(channel, gatewayId);
    for (const a of areas) this.reach.report(channel, a, `link:${key}`, 'degraded');
    this.tasks.track(this.health.recheck(channel, areas));
    this.away.get(key)?.();
    this.away.set(
      key,
      this.clock.schedule(this.clock.now() + this.linkGraceMs, () => {
        this.away.delete(key);
        if (!this.tasks.stopped) this.gone(channel, gatewayId);
      }),
    );
  }

  /** A gateway left for good: what it held goes back to its channel's queue, and its reach goes. */
  private gone(channel: string, gatewayId: string): void {
    const key = gatewayKey(channel, gatewayId);
    this.dispatcher.gatewayGone(key);
    this.reach.removeCoverage(channel, gatewayId);
    this.reach.clearSource(`gw:${key}`);
    this.reach.clearSource(`link:${key}`);
    this.tasks.track(this.health.recheck(channel, []));
  }
}
