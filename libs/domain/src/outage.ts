import type { AreaTree } from './area';
import type { ChannelKind, ChannelState } from './channel';
import { CHANNEL_CATALOG } from './channel-catalog';

export const OUTAGE_KINDS = ['network', 'power', 'road', 'gateway'] as const;
export type OutageKind = (typeof OUTAGE_KINDS)[number];
export const GATEWAY_FAULTS = ['down', 'silent', 'slow', 'lossy'] as const;
export type GatewayFault = (typeof GATEWAY_FAULTS)[number];

/** One injected outage: 三断 (network, power, road) or a gateway fault, over an area and a time. */
export interface Outage {
  id: string;
  kind: OutageKind;
  /** The area and everything below it; null: everywhere. */
  area: string | null;
  /** `gateway` outages: the channel whose gateways fail. */
  channel: string | null;
  mode: GatewayFault | null;
  /** `lossy`: the probability a message is lost. */
  loss: number | null;
  startAt: number;
  /** Null: until ended through the drills API. */
  endAt: number | null;
}

/** What outages need to know of a channel: which infrastructure it stands on. */
export interface OutageChannel {
  id: string;
  kind: ChannelKind;
  /** Hours its fixed sites run on battery after mains loss; null: not on mains (satellite, drones). */
  batteryH: number | null;
}

/** A network outage takes the channel's fixed sites down. */
const fallsWithNetwork = (c: OutageChannel) => CHANNEL_CATALOG[c.kind].fallsWithNetwork;
/** Hours on battery after mains loss, for a channel whose fixed sites run on mains; else null. */
const batteryOf = (c: OutageChannel) => (CHANNEL_CATALOG[c.kind].onMains ? c.batteryH : null);

export interface OutageEffect {
  channel: string;
  area: string;
  state: ChannelState;
  reason: string;
}

const SEVERITY: Readonly<Record<ChannelState, number>> = { up: 0, degraded: 1, down: 2 };
const HOUR = 3_600_000;

/**
 * The physical world under outages, as a pure function of time: which channels' fixed sites are
 * up, on battery or down in which areas, which gateways misbehave, where roads are cut. Both the
 * router (what it believes) and the simulated gateways (what really happens) read it.
 */
export class OutageBoard {
  private outages: Outage[] = [];
  private readonly channels: Map<string, OutageChannel>;
  /** Where an outage without an area applies. */
  private readonly root: string;

  constructor(
    private readonly tree: AreaTree,
    channels: readonly OutageChannel[],
  ) {
    this.channels = new Map(channels.map((c) => [c.id, c]));
    this.root = tree.all().find((a) => a.parent === null)?.code ?? '';
  }

  set(outages: readonly Outage[]): void {
    this.outages = [...outages];
  }

  all(): Outage[] {
    return [...this.outages];
  }

  isActive(o: Outage, now: number): boolean {
    return o.startAt <= now && (o.endAt === null || now < o.endAt);
  }

  anyActive(now: number): boolean {
    return this.outages.some((o) => this.isActive(o, now));
  }

  active(now: number): Outage[] {
    return this.outages.filter((o) => this.isActive(o, now));
  }

  private covers(o: Outage, area: string): boolean {
    return o.area === null || this.tree.isWithin(area, o.area);
  }

  /**
   * Channel states outages impose now, on the outage's own area (its subtree follows from it):
   * the worst per (channel, area). Gateway faults other than `down` impose nothing here: a
   * silent, slow or lossy gateway looks fine until attempts show otherwise.
   */
  effects(now: number): OutageEffect[] {
    const worst = new Map<string, OutageEffect>();
    const put = (e: OutageEffect) => {
      const k = `${e.channel}\u0000${e.area}`;
      const prev = worst.get(k);
      if (!prev || SEVERITY[e.state] > SEVERITY[prev.state]) worst.set(k, e);
    };
    for (const o of this.active(now)) {
      const area = o.area ?? this.root;
      for (const c of this.channels.values()) {
        const battery = batteryOf(c);
        if (o.kind === 'network' && fallsWithNetwork(c)) put({ channel: c.id, area, state: 'down', reason: `network outage ${o.id}` });
        if (o.kind === 'power' && battery !== null) {
          const flat = now >= o.startAt + battery * HOUR;
          put({ channel: c.id, area, state: flat ? 'down' : 'degraded', reason: flat ? `power outage ${o.id}: batteries exhausted` : `power outage ${o.id}: on battery` });
        }
        if (o.kind === 'gateway' && o.mode === 'down' && o.channel === c.id) put({ channel: c.id, area, state: 'down', reason: `gateway outage ${o.id}` });
      }
    }
    return [...worst.values()];
  }

  /** Whether the fixed sites of `channel` serving `area` work now (outages only; gateways aside). */
  sitesUp(channel: string, area: string, now: number): boolean {
    const c = this.channels.get(channel);
    if (!c) return true;
    return !this.active(now).some(
      (o) =>
        this.covers(o, area) &&
        ((o.kind === 'network' && fallsWithNetwork(c)) || (o.kind === 'power' && batteryOf(c) !== null && now >= o.startAt + batteryOf(c)! * HOUR)),
    );
  }

  /** The gateway fault of `channel` for `area` now, the most severe when several overlap. */
  fault(channel: string, area: string | null, now: number): { mode: GatewayFault; loss: number } | null {
    const order: GatewayFault[] = ['down', 'silent', 'lossy', 'slow'];
    const faults = this.active(now).filter((o) => o.kind === 'gateway' && o.channel === channel && (area === null || this.covers(o, area)));
    faults.sort((a, b) => order.indexOf(a.mode!) - order.indexOf(b.mode!));
    const f = faults[0];
    return f ? { mode: f.mode!, loss: f.loss ?? 0.5 } : null;
  }

  /** Whether roads into `area` are cut now: nothing arrives there by land. */
  roadCut(area: string, now: number): boolean {
    return this.active(now).some((o) => o.kind === 'road' && this.covers(o, area));
  }

  /** When the board next changes by itself (an outage starts or ends, batteries run out). */
  nextChange(now: number): number | null {
    let next: number | null = null;
    const consider = (t: number) => {
      if (t > now && (next === null || t < next)) next = t;
    };
    for (const o of this.outages) {
      consider(o.startAt);
      if (o.endAt !== null) consider(o.endAt);
      if (o.kind === 'power') for (const c of this.channels.values()) if (batteryOf(c) !== null) consider(o.startAt + batteryOf(c)! * HOUR);
    }
    return next;
  }
}
