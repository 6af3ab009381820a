/**
 * The work partition of a person, and so of each of their deliveries: a stable hash of the
 * person's id into `count` partitions. Nodes of a cluster lease partitions, not single deliveries
 * (a lock per step would cost more than the step); by person, so that an answer, which may close
 * any of that person's open deliveries, is one node's business (docs/WORK-SHARING.md). The hash
 * must never change: every node, of every version, must agree where a delivery belongs.
 */
export function partitionOf(id: string, count: number): number {
  // FNV-1a, 32 bits, over UTF-16 code units: short, well spread for ids that differ in their tail.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}
