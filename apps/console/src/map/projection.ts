import type { AreaGeometry, LonLat } from '@lifeline/domain';

export interface Projection {
  width: number;
  height: number;
  point(p: LonLat): [number, number];
  /** Back from the drawing to longitude and latitude. */
  invert(x: number, y: number): LonLat;
}

/**
 * Equirectangular with longitude scaled by cos(latitude) at the middle: true enough for one city,
 * needs no map library. Fits the geometries' bounds into `width` with a margin.
 */
export function fitProjection(shapes: readonly AreaGeometry[], width: number, margin = 12): Projection {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const g of shapes)
    for (const ring of rings(g))
      for (const [x, y] of ring) {
        w = Math.min(w, x);
        e = Math.max(e, x);
        s = Math.min(s, y);
        n = Math.max(n, y);
      }
  if (!Number.isFinite(w)) [w, s, e, n] = [0, 0, 1, 1];
  const k = Math.cos((((s + n) / 2) * Math.PI) / 180);
  const scale = (width - 2 * margin) / Math.max((e - w) * k, 1e-9);
  const height = Math.ceil((n - s) * scale + 2 * margin);
  return {
    width,
    height,
    point: ([x, y]) => [margin + (x - w) * k * scale, margin + (n - y) * scale],
    invert: (x, y) => [w + (x - margin) / (k * scale), n - (y - margin) / scale],
  };
}

export function rings(g: AreaGeometry): LonLat[][] {
  return g.type === 'Polygon' ? (g.coordinates as LonLat[][]) : (g.coordinates as LonLat[][][]).flat();
}

/** An SVG path of a polygon or multipolygon (holes by the even-odd rule). */
export function svgPath(g: AreaGeometry, p: Projection): string {
  return rings(g)
    .map((ring) => `M${ring.map((c) => p.point(c).map((v) => v.toFixed(1)).join(',')).join('L')}Z`)
    .join('');
}

const labelAt = new WeakMap<AreaGeometry, LonLat>();

/**
 * Where to put a label: a point well inside the outer ring. The middle of its bounding box can lie
 * outside a bent shape (a town curving round its neighbour) or on its border; found once per shape.
 */
export function labelPoint(g: AreaGeometry, p: Projection, avoid?: LabelsToAvoid): [number, number] {
  // Shapes are few and labels to avoid change with the drawing: only plain points are kept.
  if (avoid) return p.point(innerPoint(rings(g)[0] ?? [], (c) => clear(p.point(c), avoid)));
  let at = labelAt.get(g);
  if (!at) labelAt.set(g, (at = innerPoint(rings(g)[0] ?? [])));
  return p.point(at);
}

/** Other labels (in drawing units) a label must keep `gap` (across, up and down) from: a county's name clear of its towns'. */
export interface LabelsToAvoid {
  at: readonly [number, number][];
  gap: [number, number];
}

const clear = ([x, y]: [number, number], avoid: LabelsToAvoid) => avoid.at.every(([ax, ay]) => Math.abs(ax - x) >= avoid.gap[0] || Math.abs(ay - y) >= avoid.gap[1]);

/**
 * Of a 9 by 9 grid over the ring's box, the point inside (and `allowed`) farthest from its edges,
 * a little nearer the middle on near ties (a square's label sits in its middle); without an
 * allowed one, the best inside; the box's middle when no grid point is inside.
 */
function innerPoint(ring: readonly LonLat[], allowed?: (c: LonLat) => boolean): LonLat {
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  const [w, s, e, n] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const middle: LonLat = [(w + e) / 2, (s + n) / 2];
  const k = Math.cos((middle[1] * Math.PI) / 180); // a degree of longitude is shorter
  let [at, top, anyAt, anyTop] = [middle, -Infinity, middle, -Infinity];
  for (let i = 1; i < 10; i++)
    for (let j = 1; j < 10; j++) {
      const c: LonLat = [w + ((e - w) * i) / 10, s + ((n - s) * j) / 10];
      if (!insideRing(c, ring)) continue;
      let edge = Infinity;
      for (let v = 0; v + 1 < ring.length; v++) edge = Math.min(edge, segmentDistance(c, ring[v], ring[v + 1], k));
      const value = edge - 0.1 * Math.hypot((c[0] - middle[0]) * k, c[1] - middle[1]);
      if (value > anyTop) [anyAt, anyTop] = [c, value];
      if (value > top && (!allowed || allowed(c))) [at, top] = [c, value];
    }
  return top > -Infinity ? at : anyAt;
}

function insideRing([x, y]: LonLat, ring: readonly LonLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [[xi, yi], [xj, yj]] = [ring[i], ring[j]];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Distance from `p` to the segment `a`–`b`, longitude scaled by `k`. */
function segmentDistance(p: LonLat, a: LonLat, b: LonLat, k: number): number {
  const [px, ax, bx] = [p[0] * k, a[0] * k, b[0] * k];
  const [dx, dy] = [bx - ax, b[1] - a[1]];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(ax + t * dx - px, a[1] + t * dy - p[1]);
}

/** A length on the ground (metres, north–south at `at`) as drawing units: a circle's radius on the map. */
export function metresToUnits(p: Projection, at: LonLat, metres: number): number {
  const [, y0] = p.point(at);
  const [, y1] = p.point([at[0], at[1] + metres / 111_320]);
  return Math.abs(y1 - y0);
}
