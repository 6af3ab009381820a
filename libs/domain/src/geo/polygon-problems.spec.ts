import type { LonLat } from './geometry';
import { MAX_POLYGON_VERTICES, polygonProblems } from './polygon-problems';

const square: LonLat[] = [[121, 28], [121.1, 28], [121.1, 28.1], [121, 28.1], [121, 28]];

describe('polygonProblems', () => {
  it('accepts a simple polygon with a hole inside it', () => {
    expect(polygonProblems([square, [[121.02, 28.02], [121.02, 28.05], [121.05, 28.05], [121.02, 28.02]]])).toEqual([]);
  });

  it('names a ring that does not close, and one too short', () => {
    expect(polygonProblems([square.slice(0, 4)])).toEqual([{ path: 'coordinates.0', message: expect.stringMatching(/not closed/) }]);
    expect(polygonProblems([[[121, 28], [121.1, 28], [121, 28]]])).toEqual([{ path: 'coordinates.0', message: expect.stringMatching(/at least 4 positions/) }]);
  });

  it('finds a bow tie and says where it crosses itself', () => {
    const bowTie: LonLat[] = [[121, 28], [121.1, 28.1], [121.1, 28], [121, 28.1], [121, 28]];
    expect(polygonProblems([bowTie])).toEqual([{ path: 'coordinates', message: expect.stringMatching(/intersects itself near \[121.05, 28.05\]/) }]);
  });

  it('refuses a hole outside the outline, and a hole crossing it', () => {
    expect(polygonProblems([square, [[122, 28], [122.1, 28], [122, 28.1], [122, 28]]])).toEqual([{ path: 'coordinates.1', message: expect.stringMatching(/inside the outline/) }]);
    expect(polygonProblems([square, [[121.05, 28.05], [121.2, 28.05], [121.05, 28.06], [121.05, 28.05]]])[0].message).toMatch(/intersects itself/);
  });

  it('bounds the vertices before any costly check', () => {
    const n = MAX_POLYGON_VERTICES + 1;
    const ring: LonLat[] = Array.from({ length: n }, (_, i): LonLat => [121 + Math.cos((2 * Math.PI * i) / n) / 10, 28 + Math.sin((2 * Math.PI * i) / n) / 10]);
    expect(polygonProblems([[...ring, ring[0]]])).toEqual([{ path: 'coordinates', message: `too many vertices: ${n + 1}, at most ${MAX_POLYGON_VERTICES}` }]);
  });
});

describe('polygonProblems on hostile shapes', () => {
  /** A star of `n` points (n odd) joined every (n - 1) / 2: nearly every edge crosses nearly every other. */
  const star = (n: number): LonLat[] => {
    const k = (n - 1) / 2;
    const ring = Array.from({ length: n }, (_, i): LonLat => [121 + Math.cos((2 * Math.PI * i * k) / n) / 10, 28 + Math.sin((2 * Math.PI * i * k) / n) / 10]);
    return [...ring, ring[0]];
  };

  it('finds a crossing in a star of 1,999 points without listing the two million others', () => {
    const before = process.memoryUsage().heapUsed;
    expect(polygonProblems([star(1_999)])[0].message).toMatch(/intersects itself/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 2 ** 20); // Turf's kinks took about 0.6 GB here
  });

  it('accepts a 2,000-point circle, and finds a figure eight that only touches itself', () => {
    const n = MAX_POLYGON_VERTICES - 1;
    const ring = Array.from({ length: n }, (_, i): LonLat => [121 + Math.cos((2 * Math.PI * i) / n) / 10, 28 + Math.sin((2 * Math.PI * i) / n) / 10]);
    expect(polygonProblems([[...ring, ring[0]]])).toEqual([]);
    const eight: LonLat[] = [[121, 28], [121.1, 28.1], [121.2, 28], [121.2, 28.2], [121.1, 28.1], [121, 28.2], [121, 28]];
    expect(polygonProblems([eight])[0].message).toMatch(/intersects itself near \[121.1, 28.1\]/);
  });

  it('refuses a ring that encloses no area, its positions on one line', () => {
    expect(polygonProblems([[[120, 30], [121, 30], [120, 30], [120, 30]]])).toEqual([{ path: 'coordinates.0', message: 'the ring encloses no area: its positions lie on one line' }]);
  });

  it('finds an edge that runs back along another (a zero-width spike between two corners)', () => {
    const spike: LonLat[] = [[121, 28], [121.2, 28], [121.2, 28.1], [121.1, 28.1], [121.1, 28.05], [121.1, 28.1], [121, 28.1], [121, 28]];
    expect(polygonProblems([spike])[0]?.message).toMatch(/intersects itself/);
  });
});
