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

/** Where to put a label: the middle of the outer ring's bounding box. */
export function labelPoint(g: AreaGeometry, p: Projection): [number, number] {
  const outer = rings(g)[0] ?? [];
  const xs = outer.map((c) => p.point(c)[0]);
  const ys = outer.map((c) => p.point(c)[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

/** A length on the ground (metres, north–south at `at`) as drawing units: a circle's radius on the map. */
export function metresToUnits(p: Projection, at: LonLat, metres: number): number {
  const [, y0] = p.point(at);
  const [, y1] = p.point([at[0], at[1] + metres / 111_320]);
  return Math.abs(y1 - y0);
}
