import { AreaTree, bboxOf, type BBox, type LonLat } from '@lifeline/domain';
import { generateDirectory } from './directory-generator';

const boxOf = (g: { coordinates: LonLat[][] }): BBox => bboxOf(g.coordinates[0]);
const inside = (inner: BBox, outer: BBox) => inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
const area = (b: BBox) => (b[2] - b[0]) * (b[3] - b[1]);

describe('generated directory geography', () => {
  for (const people of [500, 20_000])
    it(`tiles each area exactly with its children and places people in their area (${people} people)`, () => {
      const dir = generateDirectory({ people, seed: 7 });
      const tree = new AreaTree(dir.areas);
      const box = new Map(dir.areas.map((a) => [a.code, boxOf(a.geometry as { coordinates: LonLat[][] })]));
      for (const parent of dir.areas) {
        const children = dir.areas.filter((a) => a.parent === parent.code).map((a) => box.get(a.code)!);
        if (!children.length) continue;
        expect(children.every((c) => inside(c, box.get(parent.code)!))).toBe(true);
        // Inside, and adding up to the parent: no gaps (overlaps would add up to more).
        expect(children.reduce((n, c) => n + area(c), 0)).toBeCloseTo(area(box.get(parent.code)!), 8);
      }
      let unlocated = 0;
      for (const p of dir.people()) {
        expect(tree.has(p.area)).toBe(true);
        if (!p.location) unlocated++;
        else expect(inside([...p.location, ...p.location], box.get(p.area)!)).toBe(true);
      }
      expect(unlocated).toBeGreaterThan(0);
      expect(unlocated).toBeLessThan(people * 0.1);
    });

  it('is the same directory for the same seed', () => {
    const a = generateDirectory({ people: 300, seed: 3 });
    const b = generateDirectory({ people: 300, seed: 3 });
    expect(b.areas).toEqual(a.areas);
    expect([...b.people()]).toEqual([...a.people()]);
  });
});
