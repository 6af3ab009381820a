import type { Clock } from '@lifeline/clock';
import { PRIORITIES, type AreaTree, type Channels, type OutageBoard, type Reach } from '@lifeline/domain';
import type { Repositories, Storage } from '@lifeline/store';
import { Subject, type Observable } from 'rxjs';
import { recordEvents, type EventBus } from './event-bus';
import type { Tasks } from './tasks';

/** A mobile resource that restores a channel over an area for a while (CHANNELS.md, endurance). */
export interface RelayResource {
  id: string;
  /** The channel it brings: `drone` for an aerial LTE cell, `pdt` for a mobile 370MHz station. */
  channel: string;
  /** `road` resources cannot reach an area whose roads are cut; `air` ones can. */
  by: 'air' | 'road';
  /** Where it waits (an area code), for the record and the report. */
  base: string;
  arrivalS: number;
  onStationS: number;
  /** Sends it carries at once (a drone cell's users). */
  capacity: number;
}

export interface RelayConfig {
  resources: RelayResource[];
  /** Requests are per area at this depth (2: a town). */
  areaDepth: number;
  checkEveryS: number;
}

export interface Mission {
  resource: RelayResource;
  area: string;
  arriveAt: number;
  leaveAt: number;
  state: 'en-route' | 'on-station';
}

/**
 * Raises `relay.request` where people still wait and no ground channel reaches them, and sends a
 * free mobile resource there (not by road into an area whose roads are cut). When it arrives, its
 * channel comes up over the area (`arrivals$`; in drills a simulated gateway joins), and
 * the waiting deliveries go out by the usual wake-up.
 */
export class Relays {
  private readonly missions = new Map<string, Mission>();
  private readonly requested = new Set<string>();
  private readonly ground: string[];
  private cancelCheck: (() => void) | null = null;
  private stopped = false;
  private readonly arrivalsSubject = new Subject<Mission>();
  private readonly departuresSubject = new Subject<Mission>();
  /** A resource arrived on station (in drills, a simulated gateway joins for it). */
  readonly arrivals$: Observable<Mission> = this.arrivalsSubject.asObservable();
  /** A resource left (its simulated gateway leaves with it). */
  readonly departures$: Observable<Mission> = this.departuresSubject.asObservable();

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly tree: AreaTree,
    private readonly reach: Reach,
    private readonly board: OutageBoard,
    private readonly bus: EventBus,
    channels: Channels,
    private readonly config: RelayConfig,
    private readonly tasks: Tasks,
  ) {
    // Channels whose reach stands on the ground: a relay is asked for where all of them are down.
    this.ground = channels.ground();
  }

  /** Missions under way, for the API and drill reports. */
  list(): Mission[] {
    return [...this.missions.values()];
  }

  async start(): Promise<void> {
    await this.resume();
    if (this.config.resources.length === 0) return;
    const tick = () => {
      if (this.stopped) return;
      this.tasks.track(this.check());
      this.cancelCheck = this.clock.schedule(this.clock.now() + this.config.checkEveryS * 1000, tick);
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelCheck?.();
  }

  /**
   * After a restart: missions under way go on from their rows (a drone in the air does not care
   * that the router restarted); one that ended meanwhile is recorded as gone.
   */
  private async resume(): Promise<void> {
    const now = this.clock.now();
    for (const row of await this.store.read.missions.all()) {
      const resource = this.config.resources.find((r) => r.id === row.resource);
      if (!resource || !this.tree.has(row.area)) {
        this.tasks.track(this.store.write((tx) => tx.missions.delete(row.resource)));
        continue;
      }
      const m: Mission = { resource, area: row.area, arriveAt: row.arriveAt, leaveAt: row.leaveAt, state: 'en-route' };
      this.missions.set(resource.id, m);
      if (m.leaveAt <= now) this.leave(m);
      else if (m.arriveAt <= now) this.arrive(m, false); // arrived before the restart: said already
      else this.clock.schedule(m.arriveAt, () => this.arrive(m));
    }
  }

  /** Looks for areas that need a relay and answers them with free resources. */
  async check(): Promise<void> {
    const now = this.clock.now();
    const needs = new Map<string, { unreached: number; rank: number }>();
    for (const row of await this.store.read.deliveries.queuedByArea()) {
      if (!this.tree.has(row.area) || !this.groundLost(row.area, now)) continue;
      const at = this.tree.atDepth(row.area, this.config.areaDepth);
      const n = needs.get(at) ?? { unreached: 0, rank: Infinity };
      needs.set(at, { unreached: n.unreached + row.n, rank: Math.min(n.rank, row.rank) });
    }
    const events: { type: string; area: string; fields: Record<string, unknown> }[] = [];
    const dispatched: Mission[] = [];
    for (const [area, need] of needs) {
      if ([...this.missions.values()].some((m) => this.tree.isWithin(area, m.area) || this.tree.isWithin(m.area, area))) continue;
      const priority = PRIORITIES[need.rank] ?? 'routine';
      if (!this.requested.has(area)) {
        this.requested.add(area);
        events.push({ type: 'relay.request', area, fields: { area, unreached: need.unreached, priority } });
      }
      const resource = this.freeResource(area, now);
      if (!resource) continue;
      const m: Mission = { resource, area, arriveAt: now + resource.arrivalS * 1000, leaveAt: now + (resource.arrivalS + resource.onStationS) * 1000, state: 'en-route' };
      this.missions.set(resource.id, m);
      dispatched.push(m);
      this.requested.delete(area);
      events.push({ type: 'relay.dispatched', area, fields: { resource: resource.id, channel: resource.channel, area, base: resource.base, arriveAt: new Date(m.arriveAt).toISOString() } });
      this.clock.schedule(m.arriveAt, () => this.arrive(m));
    }
    const rows = async (tx: Repositories) => {
      for (const m of dispatched) await tx.missions.insert({ resource: m.resource.id, area: m.area, arriveAt: m.arriveAt, leaveAt: m.leaveAt });
    };
    await this.emit(events, now, dispatched.length ? rows : undefined);
  }

  /**
   * Queued deliveries wait because none of their person's channels reaches them; a relay helps
   * where a ground channel is down (a drone restores the public network, a truck the 370MHz one).
   */
  private groundLost(area: string, now: number): boolean {
    return this.ground.some((c) => this.reach.state(c, area, now) === 'down');
  }

  /** A free resource that can get there and whose channel is not already up there. */
  private freeResource(area: string, now: number) {
    return this.config.resources.find(
      (r) => !this.missions.has(r.id) && !(r.by === 'road' && this.board.roadCut(area, now)) && this.reach.state(r.channel, area, now) === 'down',
    );
  }

  private arrive(m: Mission, announce = true): void {
    if (this.stopped) return;
    m.state = 'on-station';
    this.arrivalsSubject.next(m);
    this.clock.schedule(m.leaveAt, () => this.leave(m));
    if (announce)
      this.tasks.track(this.emit([{ type: 'relay.arrived', area: m.area, fields: { resource: m.resource.id, channel: m.resource.channel, area: m.area, until: new Date(m.leaveAt).toISOString() } }], this.clock.now()));
  }

  private leave(m: Mission): void {
    if (this.stopped) return;
    this.missions.delete(m.resource.id);
    this.departuresSubject.next(m);
    const left = [{ type: 'relay.left', area: m.area, fields: { resource: m.resource.id, channel: m.resource.channel, area: m.area } }];
    this.tasks.track(this.emit(left, this.clock.now(), (tx) => tx.missions.delete(m.resource.id)));
  }

  /** Events, and the mission rows they speak of, in one commit. */
  private emit(events: { type: string; area: string; fields: Record<string, unknown> }[], now: number, rows?: (tx: Repositories) => Promise<unknown>): Promise<void> {
    return recordEvents(this.store, this.bus, now, events.map((e) => ({ type: e.type, areaPath: this.tree.path(e.area), fields: e.fields })), rows);
  }
}
