import type { Clock } from '@lifeline/clock';
import type { AreaTree, Channels, ChannelState, Reach } from '@lifeline/domain';
import { createHealth, HEALTH_STATE, stepHealth, type StoredHealth } from '@lifeline/machines';
import type { Storage } from '@lifeline/store';
import { Subject, type Observable } from 'rxjs';
import { recordEvents, type EventBus } from './event-bus';
import type { Tasks } from './tasks';

/** How long before a channel change that could not be recorded is looked at again. */
const RETRY_MS = 5_000;

const SEVERITY: Readonly<Record<ChannelState, number>> = { up: 0, degraded: 1, down: 2 };

export interface ChannelChange {
  channel: string;
  area: string;
  from: ChannelState;
  to: ChannelState;
}

export interface ChannelStatus {
  channel: string;
  area: string;
  state: ChannelState;
  since: number;
}

/**
 * Turns what is known about channels into `channel` events and wake-ups: breakers per (channel,
 * area) fed by attempts, plus every report `Reach` holds. `watch` is told which (channel, area)
 * changed so deliveries there can move.
 */
export class ChannelHealth {
  private readonly breakers = new Map<string, StoredHealth>();
  private readonly known = new Map<string, ChannelStatus>();
  private readonly coverageWakes = new Map<number, () => void>();
  /**
   * States restored from the last run and not yet seen again. Until gateways had their grace to
   * reconnect (`reviewAll`), such a state does not get worse: a gateway's hello arriving before
   * its coverage, or a link coming back a few seconds after the router, is no outage.
   */
  private readonly restored = new Set<string>();
  private settled = false;
  private readonly changesSubject = new Subject<ChannelChange>();
  /** Each change of a channel's state in an area, as it is decided (wake-ups move deliveries on it). */
  readonly changes$: Observable<ChannelChange> = this.changesSubject.asObservable();

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly reach: Reach,
    private readonly tree: AreaTree,
    private readonly channels: Channels,
    private readonly bus: EventBus,
    private readonly tasks: Tasks,
  ) {}

  /** What consoles were last told survives a restart: only what changed since is published again. */
  async load(): Promise<void> {
    for (const r of await this.store.read.channelStates.all())
      if (this.channels.has(r.channel) && this.tree.has(r.area)) {
        this.known.set(this.key(r.channel, r.area), { channel: r.channel, area: r.area, state: r.state as ChannelState, since: r.since });
        this.restored.add(this.key(r.channel, r.area));
      }
  }

  /**
   * Looks at every channel across the whole tree: after start-up, once gateways had their time
   * to reconnect. A channel nobody serves then is published `down`, even on a first start.
   */
  reviewAll(): Promise<void[]> {
    this.settled = true;
    const root = this.tree.all().find((a) => a.parent === null)?.code;
    return Promise.all(this.channels.ids.map((id) => this.recheck(id, root ? [root] : [])));
  }

  list(): ChannelStatus[] {
    return [...this.known.values()].sort((a, b) => a.channel.localeCompare(b.channel) || a.area.localeCompare(b.area));
  }

  private key(channel: string, area: string): string {
    return `${channel}\u0000${area}`;
  }

  /** Something about `channel` in `areas` may have changed: re-read it and tell whoever listens. */
  async recheck(channel: string, areas: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const changes: ChannelStatus[] = [];
    const before = new Map<string, ChannelStatus>();
    const targets = new Set([...areas, ...[...this.known.values()].filter((k) => k.channel === channel).map((k) => k.area)]);
    for (const area of targets) {
      if (!this.tree.has(area)) continue;
      const state = this.reach.state(channel, area, now);
      const k = this.key(channel, area);
      const prev = this.known.get(k);
      if (prev && !this.settled && this.restored.has(k) && SEVERITY[state] > SEVERITY[prev.state]) continue;
      this.restored.delete(k);
      if (prev && prev.state === state) continue;
      const next = { channel, area, state, since: now };
      if (prev) before.set(area, prev);
      this.known.set(k, next);
      changes.push(next);
      this.changesSubject.next({ channel, area, from: prev?.state ?? 'down', to: state });
    }
    this.armCoverageWake(now);
    if (!changes.length) return;
    try {
      await recordEvents(
        this.store,
        this.bus,
        now,
        changes.map((c) => ({ type: 'channel', areaPath: this.tree.path(c.area), fields: { channel: c.channel, area: c.area, state: c.state } })),
        (tx) => tx.channelStates.save(changes),
      );
    } catch (e) {
      // Not recorded, so not told: forget the new states and look again once storage may be back.
      for (const c of changes) {
        const k = this.key(c.channel, c.area);
        if (this.known.get(k) !== c) continue; // a later recheck decided again meanwhile
        const prev = before.get(c.area);
        if (prev) this.known.set(k, prev);
        else this.known.delete(k);
      }
      this.clock.schedule(now + RETRY_MS, () => this.later(channel, changes.map((c) => c.area)));
      throw e;
    }
  }

  /** A recheck nobody waits for: its failure is logged by the tasks, not thrown into the void. */
  private later(channel: string, areas: readonly string[]): void {
    if (!this.tasks.stopped) this.tasks.track(this.recheck(channel, areas)); // a stop is no outage
  }

  /** Drone coverage ends on its own: look again when it does. */
  private armCoverageWake(now: number): void {
    const next = this.reach.nextCoverageEnd(now);
    if (next === null || this.coverageWakes.has(next)) return;
    this.coverageWakes.set(
      next,
      this.clock.schedule(next, () => {
        this.coverageWakes.delete(next);
        for (const id of this.channels.ids) this.later(id, []);
      }),
    );
  }

  success(channel: string, area: string): void {
    this.feed(channel, area, 'SUCCESS');
  }

  failure(channel: string, area: string): void {
    this.feed(channel, area, 'FAILURE');
  }

  private feed(channel: string, area: string, type: 'SUCCESS' | 'FAILURE'): void {
    const spec = this.channels.get(channel);
    if (!spec || !this.tree.has(area)) return;
    const at = this.tree.atDepth(area, spec.breaker.areaDepth);
    const k = this.key(channel, at);
    const known = this.breakers.get(k);
    // The common case, no work: a success where nothing failed (checked before building a breaker,
    // which cost a few percent of throughput when done for every accepted send).
    if (type === 'SUCCESS' && (!known || (known.value === 'closed' && known.context.failures === 0))) return;
    const stored =
      known ?? createHealth({ threshold: spec.breaker.failures, baseBackoffMs: spec.breaker.backoffS * 1000, maxBackoffMs: spec.breaker.maxBackoffS * 1000 });
    this.advance(channel, at, k, stored, { type, at: this.clock.now() });
  }

  private advance(channel: string, area: string, k: string, stored: StoredHealth, event: Parameters<typeof stepHealth>[1]): void {
    const { stored: next, intents } = stepHealth(stored, event);
    this.breakers.set(k, next);
    for (const i of intents)
      this.clock.schedule(i.params.dueAt, () => {
        const cur = this.breakers.get(k);
        if (cur && !this.tasks.stopped) this.advance(channel, area, k, cur, { type: 'TIMER_FIRED', at: this.clock.now(), epoch: i.params.epoch });
      });
    if (next.value !== stored.value) {
      this.reach.report(channel, area, 'breaker', HEALTH_STATE[next.value]);
      this.later(channel, [area]);
    }
  }
}
