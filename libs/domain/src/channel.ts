import type { TerminalKind } from './person';

export const CHANNEL_KINDS = ['public', 'drone', 'pdt', 'satellite', 'beidou'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type ChannelState = 'up' | 'degraded' | 'down';

/** How a channel's payload is limited; see docs/CHANNELS.md. */
export type TextLimit =
  | { kind: 'sms'; maxSegments: number }
  | { kind: 'chars'; maxChars: number }
  | { kind: 'bits'; maxBits: number; bitsPerChar: number };

export interface ChannelSpec {
  id: string;
  kind: ChannelKind;
  terminal: TerminalKind;
  /** Narrowband channels get the order's `summary` rather than its body. */
  narrowband: boolean;
  text: TextLimit;
  /** Gateway silence: no `accepted` this long after a send leaves. */
  acceptTimeoutS: number;
  /** No `delivered` this long after `accepted`. */
  deliveryTimeoutS: number;
  /**
   * For a channel whose gateways give no delivery receipts: an order that asks no answer counts
   * as delivered this long after `accepted` (0: at once). Null: wait for a receipt.
   */
  presumeDeliveredS: number | null;
  capacity: {
    /** Sends per second, per capacity area. */
    ratePerS: number;
    /** Burst the rate limiter allows. */
    burst: number;
    /** Depth of the area the capacity belongs to (0 = the whole channel, 2 = e.g. a town's site). */
    areaDepth: number;
  };
  /** Consecutive failures or silences that trip the channel's breaker for an area. */
  breaker: { failures: number; backoffS: number; maxBackoffS: number; areaDepth: number };
  /** Hours its fixed sites run on battery after mains loss; null when they do not need mains. */
  batteryH: number | null;
}
