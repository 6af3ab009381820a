import type { TerminalKind } from './person';

export const CHANNEL_KINDS = ['public', 'drone', 'pdt', 'satellite', 'beidou'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type ChannelState = 'up' | 'degraded' | 'down';

/** How a channel's payload is limited; see docs/CHANNELS.md. */
export type TextLimit =
  | { kind: 'sms'; maxSegments: number }
  | { kind: 'chars'; maxChars: number }
  | { kind: 'bits'; maxBits: number; mode: BeidouMode };

/**
 * How a Beidou terminal is told to carry text, as the adapter's config says: `mixed` (RDSS 2.1
 * content mode 2: an `A4` marker byte, then 8 bits a GB2312 byte) or `chinese` (mode 0, and BDS-3:
 * 14 bits a two-byte character, 7 a byte).
 */
export type BeidouMode = 'mixed' | 'chinese';

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
