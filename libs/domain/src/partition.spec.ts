import { partitionOf } from './partition';

describe('partitionOf', () => {
  it('is FNV-1a of the id: the same on every node and version', () => {
    // Changing the hash would move deliveries between nodes mid-flight: these must never change.
    expect(partitionOf('a', 2 ** 32 - 1)).toBe(0xe40c292c); // FNV-1a's published value for "a"
    expect(['d-1', 'd-2', 'o-42:p-1001', '', '阿'].map((id) => partitionOf(id, 64))).toEqual([17, 24, 30, 5, 14]);
  });

  it('spreads ids that differ only in their tail over every partition, evenly', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) counts[partitionOf(`p-${String(i).padStart(6, '0')}`, 64)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});
