import type { BBox, LonLat } from './geometry';

/**
 * How far (in degrees, about a tenth of a millimetre) a point may be from an edge and still be on
 * it: a fence drawn from an area's outline must hold that area, though the middle of a slanted
 * edge computed in floating point lies a hair off the edge itself.
 */
const ON_EDGE = 1e-9;

const orient = (p: LonLat, q: LonLat, r: LonLat) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));

/** Whether two segments cross at a point inside both (touching, or lying on one another, is no crossing). */
function cross(p: LonLat, q: LonLat, r: LonLat, s: LonLat): boolean {
  return orient(p, q, r) * orient(p, q, s) < 0 && orient(r, s, p) * orient(r, s, q) < 0;
}

/** Whether `p` lies on the segment `a`–`b`, within ON_EDGE. */
function onSegment(p: LonLat, a: LonLat, b: LonLat): boolean {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  const [ex, ey] = [a[0] + t * dx - p[0], a[1] + t * dy - p[1]];
  return ex * ex + ey * ey <= ON_EDGE * ON_EDGE;
}

type Where = 'in' | 'on' | 'out';

/** Where `p` lies against one closed ring: a ray cast, a point within ON_EDGE of an edge on it. */
function againstRing(p: LonLat, ring: LonLat[]): Where {
  let inside = false;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    if (onSegment(p, a, b)) return 'on';
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1])) inside = !inside;
  }
  return inside ? 'in' : 'out';
}

/** Where `p` lies against a polygon (the first ring its outline, the others holes). */
function againstPolygon(p: LonLat, polygon: LonLat[][]): Where {
  const outer = againstRing(p, polygon[0]);
  if (outer !== 'in') return outer;
  for (const hole of polygon.slice(1)) {
    const h = againstRing(p, hole);
    if (h !== 'out') return h === 'in' ? 'out' : 'on';
  }
  return 'in';
}

/**
 * A point inside the ring (not on its edges): the middle of the first stretch inside along a
 * level line between two of its corners' heights; null for a ring with no area.
 */
function interiorPoint(ring: LonLat[]): LonLat | null {
  const ys = [...new Set(ring.map((p) => p[1]))].sort((a, b) => a - b);
  let best = -1;
  for (let k = 0; k + 1 < ys.length; k++) if (best < 0 || ys[k + 1] - ys[k] > ys[best + 1] - ys[best]) best = k;
  if (best < 0) return null;
  const y = (ys[best] + ys[best + 1]) / 2;
  const xs: number[] = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    if (a[1] > y !== b[1] > y) xs.push(a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
  }
  xs.sort((a, b) => a - b);
  return xs.length >= 2 && xs[1] > xs[0] ? [(xs[0] + xs[1]) / 2, y] : null;
}

const boxesMeet = (a: BBox, b: BBox) => a[0] <= b[2] + ON_EDGE && b[0] <= a[2] + ON_EDGE && a[1] <= b[3] + ON_EDGE && b[1] <= a[3] + ON_EDGE;

/** A fence polygon's edges, each with its box: an area is compared with the edges near it only. */
export type FenceEdges = { a: LonLat; b: LonLat; box: BBox }[];

export function fenceEdges(polygon: LonLat[][]): FenceEdges {
  const edges: FenceEdges = [];
  for (const ring of polygon)
    for (let i = 0; i + 1 < ring.length; i++) {
      const [a, b] = [ring[i], ring[i + 1]];
      edges.push({ a, b, box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])] });
    }
  return edges;
}

/**
 * Whether the outline `ring` (an area's, box `box`) lies wholly inside `polygon` (rings: the
 * outline, then holes; its edges `edges`), touching its boundary allowed. It does when no part of
 * the polygon's boundary passes through the area's inside, and one point inside the area is
 * inside the polygon (the area's inside, which no boundary then divides, lies wholly on one side).
 * The boundary passes through the inside when one of its edges crosses the outline, has an end
 * strictly inside it, or runs inside it between two places where it touches the outline (a chord
 * from corner to corner). So the cost is the outline against the polygon's edges near it, and one
 * point test over all of them, where Turf's `booleanWithin` split the outline at every edge of the
 * polygon (seconds for a jagged fence over a city's areas). `work` counts the pairs of edges and
 * of points and edges compared, for the caller's budget.
 */
export function ringWithin(ring: LonLat[], box: BBox, polygon: LonLat[][], edges: FenceEdges, work: { pairs: number }): boolean {
  const near = edges.filter((e) => boxesMeet(e.box, box));
  work.pairs += edges.length + 3 * near.length * ring.length;
  for (const e of near) {
    // An end of a fence edge strictly inside the area.
    if (againstRing(e.a, ring) === 'in') return false;
    const touches = [0, 1];
    for (let i = 0; i + 1 < ring.length; i++) {
      const [a, b] = [ring[i], ring[i + 1]];
      if (cross(a, b, e.a, e.b)) return false;
      // Where the fence edge touches the outline: at the outline's corners lying on it.
      if (onSegment(a, e.a, e.b)) {
        const [dx, dy] = [e.b[0] - e.a[0], e.b[1] - e.a[1]];
        touches.push(((a[0] - e.a[0]) * dx + (a[1] - e.a[1]) * dy) / (dx * dx + dy * dy || 1));
      }
    }
    // Between two touches the edge lies wholly inside, outside or along the outline: its middle says which.
    touches.sort((s, t) => s - t);
    for (let k = 0; k + 1 < touches.length; k++) {
      if (touches[k + 1] - touches[k] < 1e-12) continue;
      const t = (touches[k] + touches[k + 1]) / 2;
      if (againstRing([e.a[0] + t * (e.b[0] - e.a[0]), e.a[1] + t * (e.b[1] - e.a[1])], ring) === 'in') return false;
    }
  }
  const inside = interiorPoint(ring);
  return inside !== null && againstPolygon(inside, polygon) === 'in';
}
