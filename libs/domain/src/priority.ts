/** Precedence levels of an order, highest first (military-style precedence as used by dispatch). */
export const PRIORITIES = ['flash', 'immediate', 'priority', 'routine'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** 0 is the highest priority; queues sort ascending by rank. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}
