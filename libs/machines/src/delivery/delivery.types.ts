import type { DeliveryStatus } from '@lifeline/domain';

export const TIMER_NAMES = ['ttl', 'delivery', 'ack', 'retry'] as const;
export type TimerName = (typeof TIMER_NAMES)[number];

export interface DeliveryInput {
  /** The person's channels (terminal held), in the order's preference. */
  channels: string[];
  /** The terminal each channel reaches the person on: a number rejected once is dead on all. */
  terminalOf: Record<string, string>;
  ackRequired: boolean;
  ackWithinMs: number;
  expiresAt: number;
  /** First back-off after every usable channel failed in a round; doubles up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface DeliveryContext extends DeliveryInput {
  /** Channels that rejected the person permanently (invalid number and the like). */
  dead: string[];
  /** Channels tried since the last fresh start; a round ends when every usable one was tried. */
  round: string[];
  attempt: number;
  channel: string | null;
  /** Escalations after an unanswered delivery. */
  cycle: number;
  /** Rounds that ended without success in a row, for back-off. */
  backoffs: number;
  reached: boolean;
  /**
   * A gateway accepted an attempt (or a terminal confirmed one): the person may have seen the
   * order. Only then does an answer count: 叫应 means the person saw it, and a delivery that
   * only ever waited queued was never seen.
   */
  sent: boolean;
  /**
   * The attempt out went on a channel without delivery receipts, for an order that asks no
   * answer: its acceptance stands for delivery once the channel's presumption time has passed.
   */
  noReceipts: boolean;
  /** The attempt out at a gateway (sending or sent) and not yet settled; null when none is. */
  openAttempt: number | null;
  detail: string | null;
  epochs: Record<TimerName, number>;
}

/**
 * Every event carries `at` (the engine's clock) and, where a channel may be chosen, `available`:
 * the person's channels that reach their area now. The machine itself never looks at the world.
 */
export type DeliveryEvent =
  | { type: 'START'; at: number; available: string[] }
  /**
   * `presumeDeliveredMs`: the channel gives no delivery receipts; for an order that asks no
   * answer, delivered this long after the gateway accepted (0: at once). Absent: wait for a receipt.
   */
  | { type: 'ACCEPTED'; at: number; attempt: number; deliveryTimeoutMs: number; presumeDeliveredMs?: number }
  | { type: 'DELIVERED'; at: number; attempt: number }
  | { type: 'FAILED'; at: number; attempt: number; permanent: boolean; reason: string; available: string[] }
  | { type: 'SILENT'; at: number; attempt: number; reason: string; available: string[] }
  | { type: 'CHANNEL_CHANGED'; at: number; available: string[] }
  | { type: 'TIMER_FIRED'; at: number; name: TimerName; epoch: number; available: string[] }
  | { type: 'REPLY'; at: number; channel: string | null; text: string }
  | { type: 'CANCEL'; at: number };

/** Intents the engine turns into rows in the same transaction as the snapshot. */
export type DeliveryIntent =
  | { type: 'dispatch'; params: { channel: string; attempt: number } }
  | { type: 'armTimer'; params: { name: TimerName; epoch: number; dueAt: number } }
  | { type: 'cancelTimers'; params: Record<string, never> }
  | { type: 'receipt'; params: { status: DeliveryStatus; channel: string | null; attempt: number; detail: string | null } }
  /**
   * What became of one attempt: `sent` (a gateway accepted it) or, settled, `delivered`, `failed`,
   * or the delivery's final status. A settled attempt is no longer out: a send of it not yet gone
   * is dropped.
   */
  | { type: 'attempt'; params: { attempt: number; status: AttemptStatus; detail: string | null; settled: boolean } };

/** The status an attempt row shows (the API's `attempts[].status`). */
export type AttemptStatus = 'sending' | 'sent' | 'delivered' | 'failed' | 'acknowledged' | 'unanswered' | 'expired' | 'cancelled';
