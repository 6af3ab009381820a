import type { ChannelKind, ChannelSpec, TextLimit } from './channel';
import type { TerminalKind } from './person';

/**
 * What Lifeline knows of each kind of channel, in one place (docs/CHANNELS.md has the sources).
 * Adding a channel of a known kind is config only; adding a kind means an entry here, a simulator
 * and an adapter.
 */
export interface ChannelKindFacts {
  /** The terminal it reaches a person on: a drone cell serves ordinary mobile phones. */
  terminal: TerminalKind;
  /** How its payload is limited (the amounts are config). */
  text: TextLimit['kind'];
  /** Narrowband channels carry an order's `summary` rather than its body. */
  narrowband: boolean;
  /**
   * `ground`: fixed sites (a relay is asked for where all ground channels are down); `air`: a
   * mobile cell that announces where and until when it covers; `space`: satellites.
   */
  reach: 'ground' | 'air' | 'space';
  /** Its fixed sites go down with the public network (network outages). */
  fallsWithNetwork: boolean;
  /** Its fixed sites run on mains: a power outage puts them on battery (`batteryH` in config). */
  onMains: boolean;
}

export const CHANNEL_CATALOG: Readonly<Record<ChannelKind, ChannelKindFacts>> = {
  public: { terminal: 'public', text: 'sms', narrowband: false, reach: 'ground', fallsWithNetwork: true, onMains: true },
  drone: { terminal: 'public', text: 'sms', narrowband: false, reach: 'air', fallsWithNetwork: false, onMains: false },
  pdt: { terminal: 'pdt', text: 'chars', narrowband: true, reach: 'ground', fallsWithNetwork: false, onMains: true },
  satellite: { terminal: 'tiantong', text: 'sms', narrowband: true, reach: 'space', fallsWithNetwork: false, onMains: false },
  beidou: { terminal: 'beidou', text: 'bits', narrowband: true, reach: 'space', fallsWithNetwork: false, onMains: false },
};

/** The configured channels, by id, with their kind's facts: built once, shared by every part. */
export class Channels {
  private readonly byId: Map<string, ChannelSpec>;

  constructor(readonly list: readonly ChannelSpec[]) {
    this.byId = new Map(list.map((c) => [c.id, c]));
  }

  get(id: string): ChannelSpec | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get ids(): string[] {
    return this.list.map((c) => c.id);
  }

  facts(id: string): ChannelKindFacts | undefined {
    const c = this.byId.get(id);
    return c && CHANNEL_CATALOG[c.kind];
  }

  /** Channels whose reach stands on the ground. */
  ground(): string[] {
    return this.list.filter((c) => CHANNEL_CATALOG[c.kind].reach === 'ground').map((c) => c.id);
  }
}
