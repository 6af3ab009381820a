import type { Clock } from '@lifeline/clock';
import { AreaTree, SILENT_LOG, type Area, type Log, type Outage } from '@lifeline/domain';
import { DIRECTORY_HASH, type GrantedLanes, type Storage } from '@lifeline/store';
import type { Observable } from 'rxjs';
import type { ChannelStatus } from '../channel-health';
import type { EngineConfig } from '../config';
import type { BusEvent } from '../event-bus';
import { RequestError } from '../request-error';
import { OrderTargets } from '../order-targets';
import type { Mission } from '../relays';
import { EventTail } from './event-tail';
import { ForwardedOrders } from './forwarded-orders';
import { LaneWorker } from './lane-worker';
import type { Leader } from './leader';
import type { NodeCore } from './node-core';

export interface FollowerCoreOptions {
  /** Reads only (a `PostgresReader`): the active node writes. */
  store: Storage;
  clock: Clock;
  config: EngineConfig;
  areas: readonly Area[];
  /** The directory's hash row as read before `areas` (`DIRECTORY_HASH`): a change means they are stale. */
  directory: string | undefined;
  leader: Leader;
  /** How often to look for events when no wake-up came (the bus drops messages), and to read the situation again. */
  pollMs: number;
  /** Read again with the situation, every poll (the app's own rows: revoked tokens). */
  alsoEveryPoll?: () => Promise<void>;
  log?: Log;
  /** Writes under the active node's grants, and this node's name: with them, this node carries out lanes for it. */
  lanes?: { granted: GrantedLanes; node: string };
}

/**
 * How long a follower may go on serving the directory it was built on after another was loaded
 * before /health says so (a rebuild takes a second or two; one that keeps failing is logged).
 */
const STALE_AFTER_MS = 30_000;

/** Event types that change what a follower shows of channels, outages and relays. */
const SITUATION = /^(channel|outage|relay)/;

/**
 * A node of a cluster that does not hold the writer lease, serving consoles all the same: reads
 * come from the database, the live stream from the events table (`EventTail`), orders and
 * cancels go to the active node (`Leader`). Channel states, outages and relay missions are the
 * active node's rows, read again whenever the stream says one changed.
 */
export class FollowerCore implements NodeCore {
  readonly areas: AreaTree;
  readonly clock: Clock;
  readonly orders: ForwardedOrders;
  /** Carries out lanes of the active node's delivery work when it sends their jobs (null: it may not). */
  readonly lanes: LaneWorker | null;
  readonly outages = {
    list: () => this.outageList.map((o) => ({ ...o, active: o.startAt <= this.clock.now() && (o.endAt === null || this.clock.now() < o.endAt) })),
    add: (): Promise<Outage> => Promise.reject(new RequestError('not_active', 'drills are run on the active node')),
    end: (): Promise<Outage> => Promise.reject(new RequestError('not_active', 'drills are run on the active node')),
  };
  private states: ChannelStatus[] = [];
  private outageList: Outage[] = [];
  private missions: Mission[] = [];
  private refreshing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private cancelPoll: (() => void) | null = null;
  private directoryChange!: () => void;
  /** When this node first saw that the directory in the database is not the one it serves. */
  private staleSince: number | null = null;
  /**
   * Resolves once the directory in the database is no longer the one this node was built on: a
   * new active node loaded another (a rolling update of the directory file). The area tree and
   * everything read from it are then stale: the node must be built again.
   */
  readonly directoryChanged = new Promise<void>((r) => (this.directoryChange = r));

  private constructor(
    private readonly o: FollowerCoreOptions,
    private readonly tail: EventTail,
  ) {
    this.areas = new AreaTree(o.areas);
    this.clock = o.clock;
    this.lanes = o.lanes ? new LaneWorker(o.lanes.granted, o.config, this.areas, o.lanes.node) : null;
    this.orders = new ForwardedOrders(new OrderTargets(o.store.read, this.areas), o.leader);
    tail.events$.subscribe((e) => {
      if (SITUATION.test(e.frame.type)) void this.refresh();
    });
  }

  static async create(o: FollowerCoreOptions): Promise<FollowerCore> {
    const tail = await EventTail.start(o.store.read.events, o.clock, o.pollMs, o.log ?? SILENT_LOG);
    let core: FollowerCore;
    try {
      core = new FollowerCore(o, tail); // throws on an area table it cannot build a tree of
    } catch (e) {
      await tail.stop(); // or its polls would outlive every failed build, one more each retry
      throw e;
    }
    await core.refresh();
    core.poll();
    return core;
  }

  /**
   * Outages make no event of their own, a revocation's word on the bus may be lost, and a new
   * active node may have loaded another directory: read them every poll.
   */
  private poll(): void {
    if (this.stopped) return;
    this.cancelPoll = this.o.clock.schedule(this.o.clock.now() + this.o.pollMs, () => {
      void Promise.all([this.refresh(), this.o.alsoEveryPoll?.().catch(() => undefined), this.checkDirectory()]).then(() => this.poll());
    });
  }

  private async checkDirectory(): Promise<void> {
    const now = await this.o.store.read.meta.get(DIRECTORY_HASH).catch(() => this.o.directory);
    if (now === this.o.directory) return;
    this.staleSince ??= this.clock.now();
    this.directoryChange();
  }

  get events$(): Observable<BusEvent> {
    return this.tail.events$;
  }

  /** The active node committed events: pass them on now rather than at the next poll. */
  wake(): Promise<void> {
    return this.tail.wake();
  }

  /** Whether orders can be passed on to the active node now (the bus reached). */
  get leaderReachable(): boolean {
    return this.o.leader.failure === null;
  }

  /** The last seq this node's stream passed on to its consoles. */
  get streamedSeq(): number {
    return this.tail.seq;
  }

  /** Why this node cannot follow the stream, or pass orders on, now; null while it can. */
  get failure(): { reason: string } | null {
    const leader = this.o.leader.failure;
    return this.tail.failure ?? (leader === null ? null : { reason: leader }) ?? this.stale();
  }

  /** A rebuild on the new directory that has not succeeded in time: scopes and counts are stale. */
  private stale(): { reason: string } | null {
    if (this.staleSince === null) return null;
    const ms = this.clock.now() - this.staleSince;
    if (ms < STALE_AFTER_MS) return null;
    return { reason: `the directory it serves is stale: the active node loaded another ${Math.round(ms / 1000)} s ago and this node has not built on it yet (see its log)` };
  }

  channelStates(): ChannelStatus[] {
    return this.states;
  }

  relayMissions(): Mission[] {
    const now = this.clock.now();
    return this.missions.map((m) => ({ ...m, state: m.arriveAt <= now ? 'on-station' : 'en-route' }));
  }

  /**
   * Reads channel states, outages and missions again: one read at a time, and an ask during a
   * read makes one more after it (that read may have started before what the ask is about).
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.load().finally(() => {
      this.refreshing = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const { read } = this.o.store;
    const channels = new Set(this.o.config.channels.ids);
    try {
      const [states, outages, missions] = await Promise.all([read.channelStates.all(), read.outages.all(), read.missions.all()]);
      this.states = states
        .filter((r) => channels.has(r.channel) && this.areas.has(r.area))
        .map((r) => ({ channel: r.channel, area: r.area, state: r.state as ChannelStatus['state'], since: r.since }));
      this.outageList = outages;
      const resources = new Map((this.o.config.relays?.resources ?? []).map((r) => [r.id, r]));
      this.missions = missions.flatMap((m) => {
        const resource = resources.get(m.resource);
        return resource ? [{ resource, area: m.area, arriveAt: m.arriveAt, leaveAt: m.leaveAt, state: 'en-route' as const }] : [];
      });
    } catch (e) {
      (this.o.log ?? SILENT_LOG).warn(`follower: cannot read channel states, outages and missions: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    await this.tail.stop();
    await this.refreshing;
  }
}
