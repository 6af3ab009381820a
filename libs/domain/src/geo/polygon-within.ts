import pointInPolygon from 'point-in-polygon-hao';
import type { BBox, LonLat } from './geometry';

const orient = (p: LonLat, q: LonLat, r: LonLat) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));

/** Whether two segments cross at a point inside both (touching, or lying on one another, is no crossing). */
function cross(p: LonLat, q: LonLat, r: LonLat, s: LonLat): boolean {
  const o1 = orient(p, q, r);
  const o2 = orient(p, q, s);
  const o3 = orient(r, s, p);
  const o4 = orient(r, s, q);
  return o1 * o2 < 0 && o3 * o4 < 0;
}

const boxesMeet = (a: BBox, b: BBox) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

/**
 * Whether `p` lies inside `polygon` (its holes excluded) or on its edges: a ray cast, with a point
 * exactly on an edge (a corner the area shares with the fence) counted in. Plain arithmetic, some
 * fifty times quicker than the robust test used for people: an area's corners are tested against
 * every edge of a fence that may have thousands.
 */
function inOrOn(p: LonLat, polygon: LonLat[][]): boolean {
  const [x, y] = p;
  let inside = false;
  for (const ring of polygon)
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[j];
      if (x >= Math.min(ax, bx) && x <= Math.max(ax, bx) && y >= Math.min(ay, by) && y <= Math.max(ay, by) && (bx - ax) * (y - ay) - (by - ay) * (x - ax) === 0) return true;
      if (ay > y !== by > y && x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
    }
  return inside;
}

/** A fence polygon's edges, each with its box: an area's edges are compared with those near them only. */
export interface FenceEdges {
  edges: { a: LonLat; b: LonLat; box: BBox }[];
}

export function fenceEdges(polygon: LonLat[][]): FenceEdges {
  const edges: FenceEdges['edges'] = [];
  for (const ring of polygon)
    for (let i = 0; i + 1 < ring.length; i++) {
      const [a, b] = [ring[i], ring[i + 1]];
      edges.push({ a, b, box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])] });
    }
  return { edges };
}

/**
 * Whether the outline `ring` (an area's, box `box`) lies wholly inside `polygon` (rings, the first
 * the outline, the others holes; its edges `edges`), boundary contact allowed: every corner and
 * the middle of every edge inside or on it, no edge crossing one of the polygon's, and no hole of
 * the polygon inside the outline. The cost is two point tests per edge and the outline's edges
 * against the polygon's edges near them, where Turf's `booleanWithin` split the outline at every
 * edge of the polygon (seconds for a jagged fence over a city's areas). `work` counts the
 * point-and-edge and edge-and-edge pairs compared, for the caller's budget.
 */
export function ringWithin(ring: LonLat[], box: BBox, polygon: LonLat[][], edges: FenceEdges, work: { pairs: number }): boolean {
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    work.pairs += edges.edges.length; // a point test goes over every edge
    if (!inOrOn(a, polygon)) return false;
    work.pairs += edges.edges.length;
    if (!inOrOn([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], polygon)) return false;
  }
  const near = edges.edges.filter((e) => boxesMeet(e.box, box));
  work.pairs += near.length * ring.length;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    const edgeBox: BBox = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
    for (const e of near) if (boxesMeet(e.box, edgeBox) && cross(a, b, e.a, e.b)) return false;
  }
  // A hole of the fence lying wholly inside the outline crosses none of its edges.
  return polygon.slice(1).every((hole) => hole.every((p) => pointInPolygon(p, [ring]) !== true));
}
