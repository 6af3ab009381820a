import type { Clock } from '@lifeline/clock';
import { randomUUID } from 'node:crypto';
import { OutageBoard, type AreaTree, type Channels, type GatewayFault, type Outage, type OutageKind, type Reach } from '@lifeline/domain';
import type { Storage } from '@lifeline/store';
import type { ChannelHealth } from './channel-health';
import { RequestError } from './request-error';
import { audit, SYSTEM, type Principal } from './principal';
import type { Tasks } from './tasks';

export interface OutageRequest {
  kind: OutageKind;
  area?: string;
  channel?: string;
  mode?: GatewayFault;
  loss?: number;
  /** Default: now. Scenarios schedule outages ahead. */
  startAt?: number;
  durationS?: number;
}

/** The source name of outage reports in `Reach`: they speak of fixed sites only. */
const SOURCE = 'outages';

/**
 * Drill outages in the router: stored as rows, applied to what the router believes of each
 * channel (`Reach` reports, hence `channel` events and wake-ups), re-applied whenever the board
 * changes by itself (an outage starts or ends, batteries run out). The simulated gateways read the
 * same board to decide what really happens to a message.
 */
export class Outages {
  readonly board: OutageBoard;
  private reported = new Map<string, Set<string>>();
  private cancelWake: (() => void) | null = null;
  private wakeAt = Infinity;

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly tree: AreaTree,
    private readonly reach: Reach,
    private readonly health: ChannelHealth,
    private readonly channels: Channels,
    private readonly tasks: Tasks,
  ) {
    this.board = new OutageBoard(tree, channels.list);
    reach.markFixedOnly(SOURCE);
  }

  /** After a restart: the outages the rows hold, as they stand now. */
  async load(): Promise<void> {
    this.board.set(await this.store.read.outages.all());
    this.apply();
  }

  /** Injects an outage; `actor` is recorded in the audit trail in the same transaction. */
  async add(r: OutageRequest, actor: Principal = SYSTEM): Promise<Outage> {
    const now = this.clock.now();
    if (r.area !== undefined && !this.tree.has(r.area))
      throw new RequestError('unknown_area', `unknown area ${r.area}`, [{ path: 'area', message: `unknown area code ${r.area}`, code: 'unknown_area' }]);
    if (r.kind === 'gateway') {
      if (!r.channel || !this.channels.has(r.channel))
        throw new RequestError('unknown_channel', `a gateway outage needs a configured channel, got ${r.channel ?? 'none'}`, [
          { path: 'channel', message: `expected one of ${this.channels.ids.join(', ')}`, code: 'unknown_channel' },
        ]);
      if (!r.mode) throw new RequestError('invalid', 'a gateway outage needs a mode', [{ path: 'mode', message: 'expected down, silent, slow or lossy', code: 'invalid' }]);
    } else if (r.channel !== undefined || r.mode !== undefined) {
      throw new RequestError('invalid', `a ${r.kind} outage takes no channel or mode`, [
        { path: r.channel !== undefined ? 'channel' : 'mode', message: 'only gateway outages name a channel and a mode', code: 'invalid' },
      ]);
    }
    const startAt = r.startAt ?? now;
    const outage: Outage = {
      id: `out-${randomUUID().slice(0, 8)}`,
      kind: r.kind,
      area: r.area ?? null,
      channel: r.kind === 'gateway' ? r.channel! : null,
      mode: r.kind === 'gateway' ? r.mode! : null,
      loss: r.mode === 'lossy' ? (r.loss ?? 0.5) : null,
      startAt,
      endAt: r.durationS === undefined ? null : startAt + r.durationS * 1000,
    };
    await this.store.write(async (tx) => {
      await tx.outages.insert(outage);
      await audit(tx, actor, now, 'outage.create', outage.id, { kind: outage.kind, area: outage.area, channel: outage.channel, mode: outage.mode, loss: outage.loss, startAt: outage.startAt, endAt: outage.endAt });
    });
    this.board.set([...this.board.all(), outage]);
    this.apply();
    return outage;
  }

  /** Ends an outage now; ending one already over changes nothing. */
  async end(id: string, actor: Principal = SYSTEM): Promise<Outage> {
    const now = this.clock.now();
    const o = this.board.all().find((x) => x.id === id);
    if (!o) throw new RequestError('not_found', `no outage ${id}`);
    if (o.endAt !== null && o.endAt <= now) return o;
    const ended = { ...o, endAt: Math.max(now, o.startAt) };
    await this.store.write(async (tx) => {
      await tx.outages.end(id, ended.endAt);
      await audit(tx, actor, now, 'outage.end', id);
    });
    this.board.set(this.board.all().map((x) => (x.id === id ? ended : x)));
    this.apply();
    return ended;
  }

  list(): (Outage & { active: boolean })[] {
    const now = this.clock.now();
    return this.board.all().map((o) => ({ ...o, active: this.board.isActive(o, now) }));
  }

  /** Re-reads the board now: reports what it imposes and rechecks every area that changed. */
  apply(): void {
    const now = this.clock.now();
    const next = new Map<string, Set<string>>();
    this.reach.clearSource(SOURCE);
    for (const e of this.board.effects(now)) {
      this.reach.report(e.channel, e.area, SOURCE, e.state);
      let areas = next.get(e.channel);
      if (!areas) next.set(e.channel, (areas = new Set()));
      areas.add(e.area);
    }
    for (const channel of new Set([...next.keys(), ...this.reported.keys()]))
      this.tasks.track(this.health.recheck(channel, [...new Set([...(next.get(channel) ?? []), ...(this.reported.get(channel) ?? [])])]));
    this.reported = next;
    this.armWake(now);
  }

  private armWake(now: number): void {
    const at = this.board.nextChange(now);
    if (at === null || at >= this.wakeAt) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.clock.schedule(at, () => {
      this.cancelWake = null;
      this.wakeAt = Infinity;
      this.apply();
    });
  }

  stop(): void {
    this.cancelWake?.();
  }
}
