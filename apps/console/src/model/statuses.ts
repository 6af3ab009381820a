import { DELIVERY_STATUSES, NOT_ANSWERED_STATUSES, NOT_REACHED_STATUSES, REACHED_STATUSES, type DeliveryStatus } from '@lifeline/domain';

export const STATUSES = DELIVERY_STATUSES;
export type { DeliveryStatus };

/** The terminal never confirmed it (the router's resend picks the same). */
export const NOT_REACHED: readonly DeliveryStatus[] = NOT_REACHED_STATUSES;
/** No answer (yet): everyone but those who answered and those cancelled. */
export const NOT_ANSWERED: readonly DeliveryStatus[] = NOT_ANSWERED_STATUSES;

/** How many of an order's people have not answered (yet), from its counts. */
export const notAnswered = (counts: Record<string, number>) => NOT_ANSWERED.reduce((n, s) => n + (counts[s] ?? 0), 0);

export interface Rates {
  total: number;
  reached: number;
  acknowledged: number;
  /** 叫应率: answered of those asked. */
  answerRate: number;
  reachRate: number;
}

export function rates(counts: Record<string, number>): Rates {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const reached = REACHED_STATUSES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const acknowledged = counts.acknowledged ?? 0;
  return { total, reached, acknowledged, answerRate: total ? acknowledged / total : 0, reachRate: total ? reached / total : 0 };
}

export const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;
