import type { BBox, LonLat, PolygonGeometry } from '@lifeline/domain';
import { seededRandom } from '@lifeline/domain';
import { round } from './area-layout';

/**
 * Turns a hierarchy of boxes that tile one another (area-layout.ts) into outlines that look
 * surveyed, not ruled, in two steps that each keep the tiling exact:
 *
 * 1. Every box edge is cut at every corner of any box lying on it, so the pieces between two
 *    corners ("links") are the same for every area that has them, whatever its level. Each link
 *    becomes a jagged line, drawn once from a seed of its own end points: a village, its town and
 *    its county all hold the very same points along a shared border. The line is a graph over its
 *    link (points move across it only, in order along it), so it cannot cross itself, and stays in
 *    a thin diamond on the link (offset at most `slope` times the distance to the nearer end, and
 *    a quarter of the thinnest box it bounds), so lines that meet at a corner at right angles or
 *    straight on never cross one another, nor reach the far side of a box.
 * 2. Every point is moved by one smooth warp of the plane (`Warp`), which bends the long straight
 *    runs of the skeleton into curves. The warp is one to one (a chain of shears), so what was
 *    inside stays inside and neighbours stay neighbours; people's places are moved by it too.
 *    The outlines join warped points by straight pieces about a kilometre long, where the warp bends
 *    by centimetres: the spec checks the drawn outlines for all of it anyway.
 */

/** Points along a border about every 1.2 km (before the warp), a link at most 16 pieces. */
const SPACING = 0.012;
const MAX_DEPTH = 4;
/** How far a border may stray from its link, per degree of distance to the link's nearer end. */
const INNER_SLOPE = 0.22;
/** The city's outline, the coast, may wander further: no neighbour shares it. */
const OUTER_SLOPE = 0.4;
/** Each halving of a piece adds up to this share of its length as a new bend. */
const ROUGHNESS = 0.3;

/**
 * A smooth warp of the plane: a few shears in turn, each moving points along one axis by a sum of
 * long sine waves of the other coordinate (x += f(y), then y += g(x), ...). A shear is one to one
 * whatever its waves (undo it by subtracting the same f(y)) and keeps areas (its Jacobian is 1),
 * so their chain is too: what was inside stays inside, neighbours stay neighbours, and people
 * keep their share of the map. Shears can bend the skeleton's straight runs into long curves
 * where a single small displacement field could only ripple them.
 */
export interface Warp {
  (p: LonLat): LonLat;
  /** The warp undone: `warp.undo(warp(p))` is `p` (up to rounding). */
  undo(p: LonLat): LonLat;
}

interface Shear {
  /** 0: x moves by a function of y; 1: y moves by a function of x. */
  axis: 0 | 1;
  waves: { a: number; k: number; phase: number }[];
}

/** Amplitude and wavelength (degrees) of each shear's waves: 7 to 0.7 km across, 160 to 22 km long. */
const SHEARS: [0 | 1, [number, number][]][] = [
  [0, [[0.07, 1.6], [0.025, 0.6], [0.008, 0.22]]],
  [1, [[0.06, 1.4], [0.022, 0.5], [0.007, 0.25]]],
  [0, [[0.03, 0.9], [0.01, 0.35]]],
  [1, [[0.03, 0.8], [0.01, 0.3]]],
];

export function makeWarp(seed: number): Warp {
  const random = seededRandom(seed);
  const shears: Shear[] = SHEARS.map(([axis, waves]) => ({
    axis,
    waves: waves.map(([a, wavelength]) => ({ a, k: (2 * Math.PI) / wavelength, phase: random() * 2 * Math.PI })),
  }));
  const shift = (sh: Shear, p: LonLat) => sh.waves.reduce((d, w) => d + w.a * Math.sin(w.k * p[1 - sh.axis] + w.phase), 0);
  const apply = (p: LonLat, sh: Shear, sign: 1 | -1): LonLat => {
    const d = sign * shift(sh, p);
    return sh.axis === 0 ? [p[0] + d, p[1]] : [p[0], p[1] + d];
  };
  const warp = ((p: LonLat) => shears.reduce((q, sh) => apply(q, sh, 1), p)) as Warp;
  warp.undo = (p: LonLat) => shears.reduceRight((q, sh) => apply(q, sh, -1), p);
  return warp;
}

/** FNV-1a of a string: a seed for one link's line, the same whichever area asks. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const linkKey = (p: LonLat, q: LonLat) => `${p[0]},${p[1]},${q[0]},${q[1]}`;

/** Outlines for boxes that tile one another: build with every box of the hierarchy, then ask per box. */
export class AreaShapes {
  /** Corners on each level line (by its latitude) and each meridian (by its longitude). */
  private readonly onLevel = new Map<number, number[]>();
  private readonly onMeridian = new Map<number, number[]>();
  private readonly links = new Map<string, LonLat[]>();
  /** How far each link's line may stray at most: a quarter of the thinnest box it bounds. */
  private readonly reach = new Map<string, number>();

  constructor(
    boxes: BBox[],
    private readonly outer: BBox,
    private readonly seed: number,
    readonly warp: Warp = makeWarp(seed),
  ) {
    const add = (m: Map<number, number[]>, line: number, at: number) => m.set(line, [...(m.get(line) ?? []), at]);
    for (const [w, s, e, n] of boxes) {
      for (const y of [s, n]) add(this.onLevel, y, w), add(this.onLevel, y, e);
      for (const x of [w, e]) add(this.onMeridian, x, s), add(this.onMeridian, x, n);
    }
    for (const m of [this.onLevel, this.onMeridian]) for (const [k, v] of m) m.set(k, [...new Set(v)].sort((a, b) => a - b));
    // A long link on a thin box could otherwise bend across it to the box's other side.
    for (const box of boxes) {
      const [w, s, e, n] = box;
      const corners: [LonLat, LonLat, number][] = [[[w, s], [e, s], n - s], [[w, n], [e, n], n - s], [[w, s], [w, n], e - w], [[e, s], [e, n], e - w]];
      for (const [a, b, across] of corners)
        for (const [p, q] of this.linksOf(a, b)) {
          const key = linkKey(p, q);
          this.reach.set(key, Math.min(this.reach.get(key) ?? Infinity, across / 4));
        }
    }
  }

  /** The box's outline, counter-clockwise from its south-west corner, warped and rounded. */
  polygon([w, s, e, n]: BBox): PolygonGeometry {
    const ring: LonLat[] = [
      ...this.side([w, s], [e, s]),
      ...this.side([e, s], [e, n]),
      ...this.side([e, n], [w, n]),
      ...this.side([w, n], [w, s]),
    ];
    ring.push(ring[0]);
    return { type: 'Polygon', coordinates: [ring] };
  }

  /** A point of the plane where the shapes put it: warped and rounded as their corners are. */
  place(p: LonLat): LonLat {
    const [x, y] = this.warp(p);
    return [round(x), round(y)];
  }

  /** The links from `a` to `b` (west to east or south to north), between the corners on that line. */
  private linksOf(a: LonLat, b: LonLat): [LonLat, LonLat][] {
    const level = a[1] === b[1];
    const [line, lo, hi] = level ? [a[1], a[0], b[0]] : [a[0], a[1], b[1]];
    const stops = (level ? this.onLevel : this.onMeridian).get(line)!.filter((c) => c >= lo && c <= hi);
    const point = (c: number): LonLat => (level ? [c, line] : [line, c]);
    return stops.slice(1).map((c, i) => [point(stops[i]), point(c)]);
  }

  /** One side of a box, from `a` up to (not including) `b`: its links' lines, in order. */
  private side(a: LonLat, b: LonLat): LonLat[] {
    // Links are drawn west to east or south to north; a side going the other way reads them back.
    const forward = a[0] < b[0] || a[1] < b[1];
    const [lo, hi] = forward ? [a, b] : [b, a];
    const out = [...this.linksOf(lo, hi).flatMap(([p, q]) => this.link(p, q)), this.place(hi)];
    return forward ? out.slice(0, -1) : out.reverse().slice(0, -1);
  }

  /** The jagged line of one link (`p` before `q` along the line), `p` included, `q` not. */
  private link(p: LonLat, q: LonLat): LonLat[] {
    const key = linkKey(p, q);
    const done = this.links.get(key);
    if (done) return done;
    const level = p[1] === q[1];
    const length = level ? q[0] - p[0] : q[1] - p[1];
    const [w, s, e, n] = this.outer;
    const coast = level ? p[1] === s || p[1] === n : p[0] === w || p[0] === e;
    const slope = coast ? OUTER_SLOPE : INNER_SLOPE;
    const depth = Math.max(0, Math.min(MAX_DEPTH, Math.ceil(Math.log2(length / SPACING))));
    const m = 2 ** depth;
    const random = seededRandom(hash(`${this.seed}:${key}`));
    // Midpoint displacement: each halving bends the middle of a piece, within the diamond.
    const off = new Array<number>(m + 1).fill(0);
    for (let step = m; step > 1; step /= 2)
      for (let i = step / 2; i < m; i += step) {
        const bend = (off[i - step / 2] + off[i + step / 2]) / 2 + (random() * 2 - 1) * ROUGHNESS * (step / m) * length;
        const room = Math.min(this.reach.get(key)!, slope * Math.min(i, m - i) * (length / m));
        off[i] = Math.max(-room, Math.min(room, bend));
      }
    const line = off.slice(0, m).map((d, i): LonLat => {
      const along = (level ? p[0] : p[1]) + (i / m) * length;
      return this.place(level ? [along, p[1] + d] : [p[0] + d, along]);
    });
    this.links.set(key, line);
    return line;
  }
}
