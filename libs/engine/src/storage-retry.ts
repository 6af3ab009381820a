/**
 * How long to wait before trying again work that storage failed (the disk full, the database
 * unreachable): 1 s, doubling to 30 s. Soon enough that a blip costs little, rare enough that a
 * long failure does not flood the log or the database when it comes back.
 */
export function storageRetryMs(failuresBefore: number): number {
  return Math.min(1_000 * 2 ** Math.min(failuresBefore, 5), 30_000);
}
