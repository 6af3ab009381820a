import type { BBox, LonLat, PolygonGeometry } from '@lifeline/domain';

/** Where the generated city lies: a stretch of the Zhejiang coast, about 97 by 78 km. */
export const CITY_BOX: BBox = [120.7, 28.5, 121.7, 29.2];

/** Five decimals of a degree: about a metre, and short lines in the YAML. */
const round = (x: number) => Math.round(x * 1e5) / 1e5;

/**
 * Splits a box into `n` boxes that tile it exactly: rows of uneven height, each cut into cells of
 * uneven width, so a map of the city looks less like a chessboard. Edges are rounded once and
 * shared, so every child lies inside its parent and neighbours meet without gaps.
 */
export function tile(box: BBox, n: number, random: () => number): BBox[] {
  const [w, s, e, north] = box;
  const widthKm = (e - w) * Math.cos(((s + north) / 2) * (Math.PI / 180));
  const cols = Math.max(1, Math.min(n, Math.round(Math.sqrt((n * widthKm) / (north - s)))));
  const rows = Math.ceil(n / cols);
  const ys = cuts(s, north, rows, random);
  const out: BBox[] = [];
  for (let r = 0; r < rows; r++) {
    const inRow = r < rows - 1 ? cols : n - cols * (rows - 1);
    const xs = cuts(w, e, inRow, random);
    for (let c = 0; c < inRow; c++) out.push([xs[c], ys[r], xs[c + 1], ys[r + 1]]);
  }
  return out;
}

/** `k` + 1 rounded edges from `lo` to `hi`, parts weighted 0.75 to 1.25. */
function cuts(lo: number, hi: number, k: number, random: () => number): number[] {
  const weights = Array.from({ length: k }, () => 0.75 + random() / 2);
  const total = weights.reduce((a, b) => a + b, 0);
  const edges = [lo];
  let at = 0;
  for (const wt of weights.slice(0, -1)) edges.push(round(lo + ((at += wt) / total) * (hi - lo)));
  edges.push(hi);
  return edges;
}

export function boxPolygon([w, s, e, n]: BBox): PolygonGeometry {
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}

/** A point inside the box, `spread` of the way out from its centre (1: anywhere in it). */
export function pointIn([w, s, e, n]: BBox, random: () => number, spread = 0.96): LonLat {
  const at = (lo: number, hi: number) => round((lo + hi) / 2 + (random() - 0.5) * spread * (hi - lo));
  return [at(w, e), at(s, n)];
}
