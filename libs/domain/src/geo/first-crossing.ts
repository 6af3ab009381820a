import type { LonLat } from './geometry';

interface Edge {
  a: LonLat;
  b: LonLat;
  ring: number;
  /** Its place in its ring: edges next to each other share a corner, which is no crossing. */
  index: number;
  /** How many edges its ring has. */
  of: number;
  minX: number;
  maxX: number;
}

const orient = (p: LonLat, q: LonLat, r: LonLat) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
const within = (p: LonLat, q: LonLat, r: LonLat) =>
  Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);

/** Where two edges meet (they cross, touch, or lie on one another), or null. */
function meeting(e: Edge, f: Edge): LonLat | null {
  const [p, q, r, s] = [e.a, e.b, f.a, f.b];
  const o1 = orient(p, q, r);
  const o2 = orient(p, q, s);
  const o3 = orient(r, s, p);
  const o4 = orient(r, s, q);
  if (o1 !== o2 && o3 !== o4) {
    const d = (q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0]);
    if (d === 0) return r; // touching at an end of one on the other
    const t = ((r[0] - p[0]) * (s[1] - r[1]) - (r[1] - p[1]) * (s[0] - r[0])) / d;
    return [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
  }
  // Collinear: they meet if one holds an end of the other.
  for (const [x, y, z] of [[p, q, r], [p, q, s], [r, s, p], [r, s, q]] as const) if (orient(x, y, z) === 0 && within(x, y, z)) return z;
  return null;
}

const adjacent = (e: Edge, f: Edge) => e.ring === f.ring && (Math.abs(e.index - f.index) === 1 || Math.abs(e.index - f.index) === e.of - 1);

/**
 * The first place where the rings' edges meet other than at the corners edges share, or null.
 * Edges are swept in order of their west end, and only those whose spans east to west overlap
 * are compared; it stops at the first meeting. (Turf's `kinks`, used before, lists every
 * crossing: a star of 2,000 points has about two million, and a few such polygons in one request
 * held the process for seconds and hundreds of megabytes.)
 */
export function firstCrossing(rings: readonly LonLat[][]): LonLat | null {
  const edges: Edge[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [a, b] = [ring[i], ring[i + 1]];
      edges.push({ a, b, ring: r, index: i, of: ring.length - 1, minX: Math.min(a[0], b[0]), maxX: Math.max(a[0], b[0]) });
    }
  });
  edges.sort((e, f) => e.minX - f.minX);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    for (let j = i + 1; j < edges.length && edges[j].minX <= e.maxX; j++) {
      const f = edges[j];
      if (adjacent(e, f)) continue;
      if (Math.max(e.a[1], e.b[1]) < Math.min(f.a[1], f.b[1]) || Math.max(f.a[1], f.b[1]) < Math.min(e.a[1], e.b[1])) continue;
      const at = meeting(e, f);
      if (at) return at;
    }
  }
  return null;
}
