import pointInPolygon from 'point-in-polygon-hao';
import { firstCrossing } from './first-crossing';
import type { LonLat } from './geometry';

/** Most vertices a fence polygon may have: enough for a township's outline, bounded for the check. */
export const MAX_POLYGON_VERTICES = 2_000;
/**
 * Most vertices of all an order's polygons together: each located person in a fence's box is
 * tested against them, so the product with a province's people must stay small.
 */
export const MAX_FENCE_VERTICES = 10_000;
/** Polygons and circles one order's `to` may carry (a CAP area becomes one order, so it too). */
export const MAX_FENCE_POLYGONS = 20;
export const MAX_FENCE_CIRCLES = 100;

export interface GeometryProblem {
  /** Where, below the polygon: `coordinates.0.3` */
  path: string;
  message: string;
}

const same = (a: LonLat, b: LonLat) => a[0] === b[0] && a[1] === b[1];

/**
 * What makes a polygon unusable as a fence, beyond each position's range (the schema's job):
 * rings that do not close or have too few positions, too many vertices, edges that cross
 * (self-intersection, or a hole crossing the outline), a hole outside the outline.
 */
export function polygonProblems(rings: readonly LonLat[][]): GeometryProblem[] {
  const problems: GeometryProblem[] = [];
  rings.forEach((ring, i) => {
    if (ring.length < 4) problems.push({ path: `coordinates.${i}`, message: `a ring needs at least 4 positions (3 corners and the first again), got ${ring.length}` });
    else if (!same(ring[0], ring[ring.length - 1]))
      problems.push({ path: `coordinates.${i}`, message: `the ring is not closed: its last position must repeat its first, [${ring[0].join(', ')}]` });
  });
  const vertices = rings.reduce((n, r) => n + r.length, 0);
  if (vertices > MAX_POLYGON_VERTICES) problems.push({ path: 'coordinates', message: `too many vertices: ${vertices}, at most ${MAX_POLYGON_VERTICES}` });
  if (problems.length) return problems;
  const crossing = firstCrossing(rings);
  if (crossing) {
    const [lon, lat] = crossing.map((c) => Math.round(c * 1e6) / 1e6);
    problems.push({ path: 'coordinates', message: `the polygon intersects itself near [${lon}, ${lat}]` });
  } else {
    // A ring that does not cross itself and has no area lies on one line (a bow tie's two lobes
    // cancel out too, which is why this comes after the crossings).
    rings.forEach((ring, i) => {
      if (Math.abs(ringArea(ring)) < 1e-12) problems.push({ path: `coordinates.${i}`, message: 'the ring encloses no area: its positions lie on one line' });
    });
  }
  rings.slice(1).forEach((hole, i) => {
    if (pointInPolygon(hole[0], [rings[0]]) === false) problems.push({ path: `coordinates.${i + 1}`, message: 'a hole must lie inside the outline (the first ring)' });
  });
  return problems;
}

/** Twice the ring's signed area in square degrees (the shoelace formula): zero for a ring on one line. */
function ringArea(ring: readonly LonLat[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return sum;
}
