import type { Clock } from '@lifeline/clock';
import { PRIORITIES, type AreaTree, type Channels, type ChannelSpec } from '@lifeline/domain';
import { Subject, type Observable } from 'rxjs';
import type { DeliveryEngine } from './delivery-engine';
import type { SendItem } from './send-item';

/** The dispatcher's view of connected gateways, each known by a key of the pool's making. */
export interface GatewayPool {
  /**
   * A gateway of `channel` reaching `area` with room in its window, least loaded first; `load`
   * is how many sends each holds unanswered (the dispatcher keeps that count, nobody else).
   */
  pick(channel: string, area: string, load: (gateway: string) => number): string | null;
  send(gateway: string, item: SendItem): void;
}

/** FIFO per priority; dropped items are skipped lazily when they reach the head. */
class PriorityQueues {
  private readonly lanes: SendItem[][] = PRIORITIES.map(() => []);
  private readonly heads: number[] = PRIORITIES.map(() => 0);

  push(item: SendItem): void {
    this.lanes[item.priorityRank].push(item);
  }

  peek(live: (i: SendItem) => boolean): SendItem | undefined {
    for (let p = 0; p < this.lanes.length; p++) {
      const lane = this.lanes[p];
      while (this.heads[p] < lane.length && !live(lane[this.heads[p]])) this.heads[p]++;
      if (this.heads[p] < lane.length) return lane[this.heads[p]];
      if (this.heads[p] > 0) {
        lane.length = 0;
        this.heads[p] = 0;
      }
    }
    return undefined;
  }

  shift(priorityRank: number): void {
    const lane = this.lanes[priorityRank];
    this.heads[priorityRank]++;
    if (this.heads[priorityRank] > 4096 && this.heads[priorityRank] * 2 > lane.length) {
      lane.splice(0, this.heads[priorityRank]);
      this.heads[priorityRank] = 0;
    }
  }
}

interface Bucket {
  channel: ChannelSpec;
  queues: PriorityQueues;
  tokens: number;
  refilledAt: number;
  wake: (() => void) | null;
}

interface InFlight {
  item: SendItem;
  gatewayId: string;
  cancelTimeout: () => void;
  /** Superseded while at the gateway (a cancel, a fallback): counted in its window, never sent again. */
  superseded?: boolean;
}

/** A send no gateway answered (`accepted` or `failed`) within its channel's accept timeout. */
export interface Silence {
  item: SendItem;
  reason: string;
}

/**
 * Per channel and capacity area: a priority queue and a token bucket, so a flash order to one
 * person leaves before a routine order to a hundred thousand, and no channel is sent more than
 * its rate or a gateway more than its window.
 */
export class Dispatcher {
  private readonly buckets = new Map<string, Bucket>();
  private readonly byChannel = new Map<string, Set<Bucket>>();
  private readonly queued = new Map<string, SendItem>();
  /**
   * Sends at gateways awaiting their `accepted` or `failed`: the one place that tracks sends in
   * flight (with a count per gateway for its window). The attempts table is the record; the
   * gateway inbound keeps only a recent-sends cache to check receipts without a read.
   */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly perGateway = new Map<string, number>();
  private readonly silentSubject = new Subject<Silence>();
  private readonly lowWaterSubject = new Subject<void>();
  /** Sends no gateway answered in time. */
  readonly silent$: Observable<Silence> = this.silentSubject.asObservable();
  /** Room for more: the starter may start more deliveries. */
  readonly lowWater$: Observable<void> = this.lowWaterSubject.asObservable();
  private readonly load = (gateway: string) => this.perGateway.get(gateway) ?? 0;
  private stopped = false;
  readonly stats = { sent: 0, silent: 0, dropped: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly channels: Channels,
    private readonly tree: AreaTree,
    private readonly gateways: GatewayPool,
    engine: Pick<DeliveryEngine, 'committed$'>,
    private readonly lowWaterMark: number,
    /** Whether an order is cancelled (committed): its queued sends go no further. */
    private readonly cancelled: (orderId: string) => boolean = () => false,
  ) {
    // What a committed job decided: superseded sends go, new ones queue up.
    engine.committed$.subscribe((out) => {
      if (out.drops.length) this.drop(out.drops);
      if (out.sends.length) this.enqueue(out.sends);
    });
  }

  get pending(): number {
    return this.queued.size;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  enqueue(items: readonly SendItem[]): void {
    const touched = new Set<Bucket>();
    for (const item of items) {
      // Sent again (a lane taken back from another node) while still waiting here or at a
      // gateway: once is enough, and a second launch would take a second place in the window.
      if (this.queued.has(item.attemptId) || this.inFlight.has(item.attemptId)) continue;
      const bucket = this.bucketFor(item);
      if (!bucket) continue;
      this.queued.set(item.attemptId, item);
      bucket.queues.push(item);
      touched.add(bucket);
    }
    for (const b of touched) this.drain(b);
  }

  /**
   * Superseded attempts (a cancel, a fallback): forget them if they have not left yet. One that
   * left keeps its place in the gateway's window until the gateway answers it or the accept
   * timeout passes: the gateway still holds it, and a send past its window would be refused
   * (and counted against the channel).
   */
  drop(attemptIds: readonly string[]): void {
    for (const id of attemptIds) {
      if (this.queued.delete(id)) this.stats.dropped++;
      const f = this.inFlight.get(id);
      if (f) f.superseded = true;
    }
  }

  /**
   * The gateway answered (accepted or failed): its window slot is free again. True the first
   * time only: a duplicate answer frees nothing and tells nothing new.
   */
  answered(attemptId: string): boolean {
    const f = this.inFlight.get(attemptId);
    if (!f) return false;
    this.settle(attemptId, f);
    this.drainChannel(f.item.channel);
    return true;
  }

  /**
   * A gateway's link dropped: what it had not answered goes back to its channel's queue, so
   * another gateway of the channel takes it, or the same one once it says hello again (the same
   * attempt id: a gateway drops what it has seen). If none comes, the channel goes down and the
   * deliveries move on.
   */
  gatewayGone(gateway: string): void {
    const again: SendItem[] = [];
    for (const [id, f] of this.inFlight) {
      if (f.gatewayId !== gateway) continue;
      f.cancelTimeout();
      this.inFlight.delete(id);
      if (!f.superseded) again.push(f.item); // a cancelled or superseded send is not handed to another gateway
    }
    this.perGateway.delete(gateway);
    if (again.length) this.enqueue(again);
  }

  /** A gateway came, left or changed: retry what waits on that channel. */
  drainChannel(channel: string): void {
    for (const b of this.byChannel.get(channel) ?? []) this.drain(b);
  }

  private settle(id: string, f: InFlight): void {
    f.cancelTimeout();
    this.inFlight.delete(id);
    const n = this.load(f.gatewayId);
    if (n <= 1) this.perGateway.delete(f.gatewayId);
    else this.perGateway.set(f.gatewayId, n - 1);
  }

  private bucketFor(item: SendItem): Bucket | null {
    const spec = this.channels.get(item.channel);
    if (!spec) return null;
    const area = spec.capacity.areaDepth === 0 || !this.tree.has(item.area) ? '*' : this.tree.atDepth(item.area, spec.capacity.areaDepth);
    const key = `${spec.id}\u0000${area}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = { channel: spec, queues: new PriorityQueues(), tokens: spec.capacity.burst, refilledAt: this.clock.now(), wake: null };
      this.buckets.set(key, b);
      let set = this.byChannel.get(spec.id);
      if (!set) this.byChannel.set(spec.id, (set = new Set()));
      set.add(b);
    }
    return b;
  }

  /**
   * A stopping router sends nothing more, and a gateway's silence during the stop is no failure:
   * the attempts out stay as stored and are sent again after the restart.
   */
  stop(): void {
    this.stopped = true;
    for (const f of this.inFlight.values()) f.cancelTimeout();
    for (const b of this.buckets.values()) b.wake?.();
  }

  private drain(b: Bucket): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const { ratePerS, burst } = b.channel.capacity;
    b.tokens = Math.min(burst, b.tokens + ((now - b.refilledAt) * ratePerS) / 1000);
    b.refilledAt = now;
    const live = (i: SendItem) => {
      if (!this.queued.has(i.attemptId)) return false;
      if (!this.cancelled(i.orderId)) return true;
      // Its order was cancelled: the cancel walk will end the delivery; the send goes no further.
      this.queued.delete(i.attemptId);
      this.stats.dropped++;
      return false;
    };
    while (b.tokens >= 1) {
      const item = b.queues.peek(live);
      if (!item) break;
      const gatewayId = this.gateways.pick(item.channel, item.area, this.load);
      if (!gatewayId) break; // no room at any gateway: a freed slot or a hello drains again
      b.queues.shift(item.priorityRank);
      this.queued.delete(item.attemptId);
      b.tokens -= 1;
      this.launch(item, gatewayId, now);
    }
    if (b.tokens < 1 && !b.wake && b.queues.peek(live)) {
      const at = now + Math.ceil(((1 - b.tokens) * 1000) / ratePerS);
      b.wake = this.clock.schedule(at, () => {
        b.wake = null;
        this.drain(b);
      });
    }
    if (this.queued.size <= this.lowWaterMark) this.lowWaterSubject.next();
  }

  private launch(item: SendItem, gatewayId: string, now: number): void {
    const timeoutS = this.channels.get(item.channel)!.acceptTimeoutS;
    const cancelTimeout = this.clock.schedule(now + timeoutS * 1000, () => {
      const f = this.inFlight.get(item.attemptId);
      if (!f) return;
      this.settle(item.attemptId, f);
      // A superseded send: nobody waits on it, and its silence says nothing new.
      if (!f.superseded) {
        this.stats.silent++;
        this.silentSubject.next({ item, reason: `no answer from the gateway in ${timeoutS}s` });
      }
      this.drainChannel(item.channel);
    });
    this.inFlight.set(item.attemptId, { item, gatewayId, cancelTimeout });
    this.perGateway.set(gatewayId, this.load(gatewayId) + 1);
    this.stats.sent++;
    this.gateways.send(gatewayId, item);
  }
}
