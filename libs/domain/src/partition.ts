/** Partitions of the delivery work: fixed once a database has them (its rows carry them). */
export const WORK_PARTITIONS = 64;

/**
 * The work partition of a person, and so of each of their deliveries: a stable hash of the
 * person's id into `count` partitions. Writers (the lanes of one node, the nodes of a cluster)
 * take partitions, not single deliveries (a lock per step would cost more than the step); by
 * person, so that an answer, which may close any of that person's open deliveries, is one
 * writer's business (docs/WORK-SHARING.md). The hash must never change: every node, of every
 * version, must agree where a delivery belongs.
 */
export function partitionOf(id: string, count: number = WORK_PARTITIONS): number {
  // FNV-1a, 32 bits, over UTF-16 code units: short, well spread for ids that differ in their tail.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}

/** The partition of a delivery, from its id (`<order>:<person>`, order ids hold no colon). */
export function deliveryPartition(deliveryId: string): number {
  return partitionOf(deliveryId.slice(deliveryId.indexOf(':') + 1));
}

/**
 * The partitions lane `lane` of `lanes` writes (every `lanes`-th one), or null when one lane
 * writes them all (no filter needed).
 */
export function lanePartitions(lane: number, lanes: number): number[] | null {
  if (lanes <= 1) return null;
  const out: number[] = [];
  for (let p = lane; p < WORK_PARTITIONS; p += lanes) out.push(p);
  return out;
}

/** The lane of `lanes` that writes `partition`. */
export function laneOf(partition: number, lanes: number): number {
  return partition % lanes;
}
