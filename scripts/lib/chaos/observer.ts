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
 * every event published live. It wraps the methods the hub and the gateways call, nothing more.
 */
export function observe(core: RouterCore): Observed {
  const seen: Observed = { sends: [], replies: [], live: [], counts: new Map(), closed: false };
  const now = () => core.clock.now();
  const send = core.hub.send.bind(core.hub);
  core.hub.send = (gateway, item) => {
    seen.sends.push({ at: now(), gateway, channel: item.channel, area: item.area, deliveryId: item.deliveryId });
    send(gateway, item);
  };
  const reply = core.reply.bind(core);
  core.reply = (channel, from, text) => {
    const matched = reply(channel, from, text);
    seen.replies.push({ at: now(), channel, from, text, matched });
    return matched;
  };
  core.bus.events$.subscribe((e) => seen.closed || seen.live.push(e.frame));
  return seen;
}
