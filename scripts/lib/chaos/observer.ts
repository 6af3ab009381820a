import type { EventFrame } from '@lifeline/contracts';
import type { RouterCore } from '@lifeline/engine';

export interface ObservedSend {
  at: number;
  /** The hub's key of the gateway: `gatewayKey(channel, gatewayId)`. */
  gateway: string;
  channel: string;
  area: string;
  deliveryId: string;
}

export interface ObservedReply {
  at: number;
  channel: string;
  from: string;
  text: string;
  /** Whether the router matched it to a delivery. */
  matched: boolean;
}

/** What a chaos run saw from outside the engine: the gateway side and the live event stream. */
export interface Observed {
  sends: ObservedSend[];
  replies: ObservedReply[];
  live: EventFrame[];
  /** Per order, the counts the HTTP API's order view reports, taken at the end of the run. */
  counts: Map<string, Record<string, number>>;
  /** Set when the run is over: events of the shutdown itself (gateways leaving) are not its record. */
  closed: boolean;
}

/**
 * Taps a router before it runs: every send handed to a gateway, every reply a gateway brings, and
 * every event published live, from the core's own streams.
 */
export function observe(core: RouterCore): Observed {
  const seen: Observed = { sends: [], replies: [], live: [], counts: new Map(), closed: false };
  const now = () => core.clock.now();
  core.sent$.subscribe(({ gateway, item }) => seen.sends.push({ at: now(), gateway, channel: item.channel, area: item.area, deliveryId: item.deliveryId }));
  core.replies$.subscribe((r) => seen.replies.push({ at: now(), ...r }));
  core.events$.subscribe((e) => seen.closed || seen.live.push(e.frame));
  return seen;
}
