import type { BBox, LonLat } from '@lifeline/domain';

/** Where the generated city lies: a stretch of the Zhejiang coast, about 97 by 78 km. */
export const CITY_BOX: BBox = [120.7, 28.5, 121.7, 29.2];

/** Five decimals of a degree: about a metre, and short lines in the YAML. */
export const round = (x: number) => Math.round(x * 1e5) / 1e5;

/**
 * Splits a box into `n` boxes that tile it exactly, as a surveyor would: cut the longer side once,
 * near where the counts on either side say, and cut each part again. Every cut spans its own part
 * only, so borders meet in T-junctions, not in the crossings and full-width strips of rows and
 * columns. Cuts are rounded once and shared, so every child lies inside its parent and
 * neighbours meet without gaps. The boxes are the skeleton: area-shapes.ts bends their edges.
 */
export function tile(box: BBox, n: number, random: () => number): BBox[] {
  if (n <= 1) return [box];
  const [w, s, e, north] = box;
  const widthKm = (e - w) * Math.cos(((s + north) / 2) * (Math.PI / 180));
  const first = Math.floor(n / 2);
  // Parts weighted 0.75 to 1.25 of their share: uneven, never a sliver.
  const share = Math.min(0.85, Math.max(0.15, (first / n) * (0.75 + random() * 0.5)));
  if (widthKm >= north - s) {
    const x = round(w + share * (e - w));
    return [...tile([w, s, x, north], first, random), ...tile([x, s, e, north], n - first, random)];
  }
  const y = round(s + share * (north - s));
  return [...tile([w, s, e, y], first, random), ...tile([w, y, e, north], n - first, random)];
}

/**
 * A point of the box, `spread` of the way out from its centre (1: anywhere in it), as the two
 * draws `u`, `v` from 0 to 1 say; `shrink` pulls it towards the centre (1: not at all).
 */
export function pointIn([w, s, e, n]: BBox, [u, v]: [number, number], spread: number, shrink = 1): LonLat {
  const at = (lo: number, hi: number, r: number) => (lo + hi) / 2 + (r - 0.5) * spread * shrink * (hi - lo);
  return [at(w, e, u), at(s, n, v)];
}
