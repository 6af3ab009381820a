import { Fence } from './fence';
import type { AreaGeometry, LonLat, PolygonGeometry } from './geometry';

const square = (x: number, y: number, size: number): LonLat[] => [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]];
const area = (ring: LonLat[]): AreaGeometry => ({ type: 'Polygon', coordinates: [ring] });
const fence = (...rings: LonLat[][]) => new Fence({ polygons: [{ type: 'Polygon', coordinates: rings } as PolygonGeometry] });

/**
 * A comb: its teeth reach up around the corners of a row of unit squares at x = 0, 2, 4 …, so every
 * corner of every square lies inside it while the squares' top edges cross its gaps.
 */
function comb(squares: number): LonLat[] {
  const ring: LonLat[] = [[-0.5, -0.5]];
  for (let i = 0; i < squares; i++) {
    const x = 2 * i;
    ring.push([x - 0.1, -0.5], [x - 0.1, 1.5], [x + 0.1, 1.5], [x + 0.1, 0.5], [x + 0.9, 0.5], [x + 0.9, 1.5], [x + 1.1, 1.5], [x + 1.1, -0.5]);
  }
  ring.push([2 * squares, -0.5], [-0.5, -0.5]);
  return ring;
}

describe('an area wholly inside a fence polygon', () => {
  it('is inside a larger square, touching its border or not, and not inside one it sticks out of', () => {
    expect(fence(square(0, 0, 10)).containsArea(area(square(1, 1, 2)))).toBe(true);
    expect(fence(square(0, 0, 10)).containsArea(area(square(0, 0, 10)))).toBe(true); // the same outline: drawn from the area
    expect(fence(square(0, 0, 10)).containsArea(area(square(8, 8, 3)))).toBe(false);
  });

  it('is not inside a comb whose teeth hold its corners while its edges cross the gaps', () => {
    const teeth = fence(comb(50));
    for (let i = 0; i < 50; i++) expect(teeth.containsArea(area(square(2 * i, 0, 1)))).toBe(false);
  });

  it('is not inside a polygon whose notches its edge crosses, though its corners and the edge\'s middle lie inside', () => {
    const notched: LonLat[] = [[-1, -1], [5, -1], [5, 5], [3.5, 5], [3.5, 3], [2.5, 3], [2.5, 5], [1.5, 5], [1.5, 3], [0.5, 3], [0.5, 5], [-1, 5], [-1, -1]];
    const work = { pairs: 0 };
    expect(fence(notched).containsArea(area(square(0, 0, 4)), work)).toBe(false);
    expect(work.pairs).toBeGreaterThan(0); // decided by the crossing, not by a point
    expect(fence(notched).containsArea(area(square(0, 0, 2.5)))).toBe(true); // below the notches
  });

  it('is not inside a polygon with a hole that lies within the area, and is inside one whose hole is elsewhere', () => {
    expect(fence(square(0, 0, 10), square(2, 2, 1)).containsArea(area(square(1, 1, 3)))).toBe(false);
    expect(fence(square(0, 0, 10), square(7, 7, 1)).containsArea(area(square(1, 1, 3)))).toBe(true);
    expect(fence(square(0, 0, 10), square(2, 2, 4)).containsArea(area(square(1, 1, 3)))).toBe(false); // a hole across it
  });

  it('is inside a fence drawn from its own slanted outline, however the floating point falls', () => {
    for (let k = 0; k < 200; k++) {
      const [cx, cy, r] = [120.7 + k / 1000, 28.5 + k / 700, 0.01 + k / 1e5];
      const ring: LonLat[] = Array.from({ length: 12 }, (_, i) => [cx + r * Math.cos((i * Math.PI) / 6 + k), cy + 0.8 * r * Math.sin((i * Math.PI) / 6 + k)]);
      ring.push(ring[0]);
      expect(fence(ring).containsArea(area(ring))).toBe(true);
    }
  });

  it('is not inside a fence whose boundary runs through it touching its outline only: a hole the same shape, a hole or chord from corner to corner, a notch', () => {
    const a = area(square(0, 0, 4));
    expect(fence(square(-1, -1, 6), square(0, 0, 4)).containsArea(a)).toBe(false); // "the county but this village"
    expect(fence(square(-1, -1, 6), [[0, 0], [4, 0], [4, 4], [0, 0]]).containsArea(a)).toBe(false); // a triangle hole on its corners
    const notch: LonLat[] = [[-1, -1], [5, -1], [5, 5], [3.5, 5], [3.5, 4], [3, 3], [2.5, 4], [2.5, 5], [-1, 5], [-1, -1]];
    expect(fence(notch).containsArea(a)).toBe(false); // the notch's corners on the area's edge, its tip inside
    // A wedge cut out of its bottom right: every corner of the hole on the area's outline, its
    // edge from (0,0) to (4,1) through the inside, the area's middle still inside the fence.
    expect(fence(square(-1, -1, 6)).containsArea(a)).toBe(true);
    expect(fence(square(-1, -1, 6), [[0, 0], [4, 0], [4, 1], [0, 0]]).containsArea(a)).toBe(false);
  });

  it('is judged by all of its parts: a multipolygon area is inside when each part is', () => {
    const parts: AreaGeometry = { type: 'MultiPolygon', coordinates: [[square(1, 1, 1)], [square(5, 5, 1)]] };
    expect(fence(square(0, 0, 10)).containsArea(parts)).toBe(true);
    expect(fence(square(0, 0, 4)).containsArea(parts)).toBe(false);
    // Each part inside a polygon of its own.
    expect(new Fence({ polygons: [{ type: 'Polygon', coordinates: [square(0, 0, 3)] }, { type: 'Polygon', coordinates: [square(4, 4, 3)] }] }).containsArea(parts)).toBe(true);
  });
});
