import type { AreaTree } from './area';
import type { ChannelState } from './channel';

interface Coverage {
  areas: readonly string[];
  until: number | null;
  /** Brought in with its own power and backhaul (a mobile station): fixed-site outages spare it. */
  mobile: boolean;
}

const SEVERITY: Readonly<Record<ChannelState, number>> = { up: 0, degraded: 1, down: 2 };

/** What a Reach knows, as plain data: sent to the nodes that step deliveries for the active one. */
export interface ReachSnapshot {
  coverage: [channel: string, source: string, areas: string[], until: number | null, mobile: boolean][];
  states: [channel: string, area: string, source: string, state: ChannelState][];
  fixedOnly: string[];
}

/**
 * What each channel can reach now, from two kinds of fact: coverage (where connected gateways,
 * drones included, reach, maybe until a time) and reported states (gateway health, breakers,
 * drills) on areas. The worst state on an area's lineage wins; no coverage means down.
 */
export class Reach {
  private readonly coverage = new Map<string, Map<string, Coverage>>();
  private readonly states = new Map<string, Map<string, ChannelState>>();
  /** Report sources that speak of fixed sites only (outages), not of mobile stations. */
  private readonly fixedOnly = new Set<string>();
  /** Bumped by every change: whoever holds a snapshot of it knows when theirs is stale. */
  version = 0;

  constructor(private readonly tree: AreaTree) {}

  snapshot(): ReachSnapshot {
    const coverage: ReachSnapshot['coverage'] = [];
    for (const [channel, bySource] of this.coverage) for (const [source, c] of bySource) coverage.push([channel, source, [...c.areas], c.until, c.mobile]);
    const states: ReachSnapshot['states'] = [];
    for (const [key, bySource] of this.states) {
      const [channel, area] = key.split('\u0000');
      for (const [source, state] of bySource) states.push([channel, area, source, state]);
    }
    return { coverage, states, fixedOnly: [...this.fixedOnly] };
  }

  /** Replaces what this knows with `s` (another node's snapshot). */
  restore(s: ReachSnapshot): void {
    this.coverage.clear();
    this.states.clear();
    this.fixedOnly.clear();
    for (const [channel, source, areas, until, mobile] of s.coverage) this.setCoverage(channel, source, areas, until, mobile);
    for (const [channel, area, source, state] of s.states) this.report(channel, area, source, state);
    for (const source of s.fixedOnly) this.markFixedOnly(source);
  }

  setCoverage(channel: string, source: string, areas: readonly string[], until: number | null = null, mobile = false): void {
    let bySource = this.coverage.get(channel);
    if (!bySource) this.coverage.set(channel, (bySource = new Map()));
    const was = bySource.get(source);
    if (was && was.until === until && was.mobile === mobile && was.areas.length === areas.length && was.areas.every((a, i) => a === areas[i])) return;
    this.version++;
    bySource.set(source, { areas: [...areas], until, mobile });
  }

  /** Reports of `source` describe fixed sites: an area a mobile station covers ignores them. */
  markFixedOnly(source: string): void {
    if (!this.fixedOnly.has(source)) this.version++;
    this.fixedOnly.add(source);
  }

  /** The areas `source` covers on `channel` (none when it covers nothing). */
  coverageAreas(channel: string, source: string): readonly string[] {
    return this.coverage.get(channel)?.get(source)?.areas ?? [];
  }

  removeCoverage(channel: string, source: string): void {
    if (this.coverage.get(channel)?.delete(source)) this.version++;
  }

  /** A state reported by `source` for `area` and everything below it; `up` clears the report. */
  report(channel: string, area: string, source: string, state: ChannelState): void {
    const key = `${channel}\u0000${area}`;
    let bySource = this.states.get(key);
    // Gateways say the same again and again: only a change is a new version.
    if ((bySource?.get(source) ?? 'up') === state) return;
    this.version++;
    if (!bySource) this.states.set(key, (bySource = new Map()));
    if (state === 'up') bySource.delete(source);
    else bySource.set(source, state);
    if (bySource.size === 0) this.states.delete(key);
  }

  clearSource(source: string): void {
    for (const [key, bySource] of this.states) {
      if (bySource.delete(source)) this.version++;
      if (bySource.size === 0) this.states.delete(key);
    }
  }

  covers(channel: string, area: string, now: number): boolean {
    return this.coverageOf(channel, area, now) !== 'none';
  }

  private coverageOf(channel: string, area: string, now: number): 'none' | 'fixed' | 'mobile' {
    const bySource = this.coverage.get(channel);
    let found: 'none' | 'fixed' | 'mobile' = 'none';
    for (const c of bySource?.values() ?? []) if (this.within(c, area, now)) found = c.mobile ? 'mobile' : found === 'none' ? 'fixed' : found;
    return found;
  }

  /**
   * Whether one source (a gateway) reaches `area` now and may be used there: a fixed gateway is
   * not where reports of fixed sites (outages) say down; a mobile one does not care.
   */
  coversBy(channel: string, source: string, area: string, now: number): boolean {
    const c = this.coverage.get(channel)?.get(source);
    return c !== undefined && this.within(c, area, now) && this.worstReport(channel, area, c.mobile) !== 'down';
  }

  private within(c: Coverage, area: string, now: number): boolean {
    return (c.until === null || c.until > now) && c.areas.some((a) => this.tree.isWithin(area, a));
  }

  state(channel: string, area: string, now: number): ChannelState {
    const coverage = this.tree.has(area) ? this.coverageOf(channel, area, now) : 'none';
    return coverage === 'none' ? 'down' : this.worstReport(channel, area, coverage === 'mobile');
  }

  /** The worst report on the area's lineage; a mobile station ignores reports of fixed sites. */
  private worstReport(channel: string, area: string, mobile: boolean): ChannelState {
    let worst: ChannelState = 'up';
    for (const code of this.tree.lineage(area)) {
      const bySource = this.states.get(`${channel}\u0000${code}`);
      if (!bySource) continue;
      for (const [source, s] of bySource) if (SEVERITY[s] > SEVERITY[worst] && !(mobile && this.fixedOnly.has(source))) worst = s;
    }
    return worst;
  }

  /** Earliest coverage end after `now`, so a clock can wake the router when a drone leaves. */
  nextCoverageEnd(now: number): number | null {
    let next: number | null = null;
    for (const bySource of this.coverage.values())
      for (const c of bySource.values())
        if (c.until !== null && c.until > now && (next === null || c.until < next)) next = c.until;
    return next;
  }
}
