import { AreaTree, type BBox } from '@lifeline/domain';
import type { DirectoryStore } from '@lifeline/store';
import { fenceReach } from './fence-reach';

const tree = new AreaTree([
  { code: '330100', name: '市', parent: null },
  { code: '330102', name: '甲县', parent: '330100' },
  { code: '330103', name: '乙县', parent: '330100' },
]);
const ADMIN = { id: 'a', role: 'admin' as const, areas: null, channel: null };
const COUNTY = { id: 'c', role: 'console' as const, areas: ['330102'], channel: null };

/** A directory of `n` located people, half in each county, spread over one degree; it records what it was asked. */
function directory(n: number) {
  const people = Array.from({ length: n }, (_, i) => ({ id: `p-${String(i).padStart(7, '0')}`, area: i % 2 ? '330103' : '330102', lon: 120 + (i % 1000) / 1000, lat: 28 + Math.floor(i / 1000) / (n / 1000) }));
  const asked: { box: BBox; within: readonly string[] | null | undefined }[] = [];
  const store = {
    locatedIn: async (box: BBox, within?: readonly string[] | null) => {
      asked.push({ box, within });
      const [w, s, e, no] = box;
      return people.filter((p) => p.lon >= w && p.lon <= e && p.lat >= s && p.lat <= no && (!within || within.some((path) => tree.path(p.area).startsWith(path))));
    },
  } as unknown as DirectoryStore;
  return { store, asked };
}

describe('fenceReach', () => {
  it('reads overlapping shapes as one box, once, and finds each person once', async () => {
    const d = directory(2_000);
    const circles = Array.from({ length: 100 }, () => ({ center: [120.5, 28.5] as [number, number], radiusM: 500_000 }));
    const m = await fenceReach(d.store, tree, ADMIN, { circles });
    expect(d.asked).toHaveLength(1);
    expect(m.locatedIds).toHaveLength(2_000);
  });

  it("asks storage only for the token's areas", async () => {
    const d = directory(2_000);
    const m = await fenceReach(d.store, tree, COUNTY, { circles: [{ center: [120.5, 28.5], radiusM: 500_000 }] });
    expect(d.asked[0].within).toEqual(['/330100/330102/']);
    expect(m.locatedIds).toHaveLength(1_000);
    expect([...m.areas]).toEqual(['330102']);
  });

  it('lets other work run while it tests many people', async () => {
    const d = directory(20_000);
    let ran = false;
    setImmediate(() => (ran = true)); // another request's turn: it comes only if the fence yields
    await fenceReach(d.store, tree, ADMIN, { circles: [{ center: [120.5, 28.5], radiusM: 500_000 }] });
    expect(ran).toBe(true);
  });
});
