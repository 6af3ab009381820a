import { AreaTree, bboxOf, MAX_POLYGON_VERTICES, polygonProblems, seededRandom, type LonLat } from '@lifeline/domain';
import pointInPolygon from 'point-in-polygon-hao';
import { makeWarp } from './area-shapes';
import { generateDirectory } from './directory-generator';

const ringsOf = (g: unknown) => (g as { coordinates: LonLat[][] }).coordinates;
/** Twice the signed area (shoelace): positive for a counter-clockwise ring. */
const area = (ring: LonLat[]) => ring.slice(1).reduce((a, p, i) => a + ring[i][0] * p[1] - p[0] * ring[i][1], 0);
/** true inside, false outside, 0 on the border (point-in-polygon-hao's answers). */
const where = (p: LonLat, rings: LonLat[][]) => pointInPolygon(p, rings);

describe('generated directory geography', () => {
  for (const people of [500, 20_000])
    it(`tiles each area exactly with its children, in valid outlines, and places people in their area (${people} people)`, () => {
      const seed = 7;
      const dir = generateDirectory({ people, seed });
      const tree = new AreaTree(dir.areas);
      const rings = new Map(dir.areas.map((a) => [a.code, ringsOf(a.geometry)]));
      for (const a of dir.areas) {
        expect({ code: a.code, problems: polygonProblems(rings.get(a.code)!) }).toEqual({ code: a.code, problems: [] });
        expect(rings.get(a.code)![0].length).toBeLessThanOrEqual(MAX_POLYGON_VERTICES);
        expect(area(rings.get(a.code)![0])).toBeGreaterThan(0);
      }
      // Sample points over the parent's box: each one inside the parent lies in exactly one child,
      // each one outside in none (no gaps, no overlaps, no child out of its parent).
      const random = seededRandom(seed);
      for (const parent of dir.areas) {
        const children = dir.areas.filter((a) => a.parent === parent.code).map((a) => rings.get(a.code)!);
        if (!children.length) continue;
        const outline = rings.get(parent.code)!;
        const [w, s, e, n] = bboxOf(outline[0]);
        for (let i = 0; i < (people > 2_000 ? 200 : 1_000); i++) {
          const p: LonLat = [w + random() * (e - w), s + random() * (n - s)];
          const at = where(p, outline);
          const holders = children.map((c) => where(p, c));
          if (at === 0 || holders.includes(0)) continue; // on a border: neither in nor out
          expect({ parent: parent.code, p, holders: holders.filter((h) => h).length }).toEqual({ parent: parent.code, p, holders: at ? 1 : 0 });
        }
        // Every child's corner on or inside its parent; and the areas add up (the shoelace sum
        // of shapes that share their borders point for point).
        for (const c of children) expect(c[0].every((p) => where(p, outline) !== false)).toBe(true);
        expect(children.reduce((sum, c) => sum + area(c[0]), 0)).toBeCloseTo(area(outline[0]), 9);
      }
      let unlocated = 0;
      for (const p of dir.people()) {
        expect(tree.has(p.area)).toBe(true);
        if (!p.location) unlocated++;
        // Strictly inside their own area's outline (and so their town's and county's).
        else expect({ id: p.id, inside: where(p.location, rings.get(p.area)!) }).toEqual({ id: p.id, inside: true });
      }
      expect(unlocated).toBeGreaterThan(0);
      expect(unlocated).toBeLessThan(people * 0.1);
    });

  it('draws borders that bend: most edges are neither north-south nor east-west', () => {
    const dir = generateDirectory({ people: 500, seed: 7 });
    const edges = dir.areas.flatMap((a) => ringsOf(a.geometry)[0].slice(1).map((p, i, r) => [i ? r[i - 1] : ringsOf(a.geometry)[0][0], p]));
    const slanted = edges.filter(([a, b]) => a[0] !== b[0] && a[1] !== b[1]);
    expect(slanted.length / edges.length).toBeGreaterThan(0.9);
    // And the city stays about where it was: its box within about 15 km of 120.7–121.7, 28.5–29.2.
    const [w, s, e, n] = bboxOf(ringsOf(dir.areas[0].geometry)[0]);
    for (const [got, want] of [[w, 120.7], [s, 28.5], [e, 121.7], [n, 29.2]]) expect(Math.abs(got - want)).toBeLessThan(0.15);
  });

  it('warps the plane one to one, keeping areas: undone it gives every point back, and its Jacobian is 1', () => {
    for (const seed of [1, 7, 42]) {
      const warp = makeWarp(seed);
      const h = 1e-6;
      for (let x = 120.5; x <= 121.9; x += 0.01)
        for (let y = 28.3; y <= 29.4; y += 0.01) {
          const o = warp([x, y]);
          const [fx, fy] = [warp([x + h, y]), warp([x, y + h])];
          const det = ((fx[0] - o[0]) * (fy[1] - o[1]) - (fy[0] - o[0]) * (fx[1] - o[1])) / (h * h);
          const back = warp.undo(o);
          if (Math.abs(det - 1) > 1e-4 || Math.hypot(back[0] - x, back[1] - y) > 1e-12) throw new Error(`seed ${seed}: Jacobian ${det}, undone ${back} at ${x}, ${y}`);
        }
    }
  });

  it('is the same directory for the same seed', () => {
    const a = generateDirectory({ people: 300, seed: 3 });
    const b = generateDirectory({ people: 300, seed: 3 });
    expect(b.areas).toEqual(a.areas);
    expect([...b.people()]).toEqual([...a.people()]);
  });
});
