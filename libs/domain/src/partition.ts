/**
 * The work partition of a delivery: a stable hash of its id into `count` partitions. Nodes of a
 * cluster lease partitions, not single deliveries (a lock per step would cost more than the
 * step), and each delivery is stepped only by the node holding its partition. The hash must never
 * change: every node, of every version, must agree where a delivery belongs.
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
