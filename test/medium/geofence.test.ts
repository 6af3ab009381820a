import fc from 'fast-check';
import { seededRandom, type Circle, type LonLat, type PolygonGeometry } from '@lifeline/domain';
import type { Directory } from '../../apps/router/src/lifeline';
import { harness, type Harness, ADMIN } from '../support/harness';

/**
 * Geofence targeting (电子围栏) through the real engine and store, checked against a brute force
 * written here independently of the router's geometry: ray casting, haversine, edge crossings.
 */

const TOWN = '330102003'; // a town of the demo city with a villager the directory has no address for

function inRing([x, y]: LonLat, ring: LonLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
const inPolygon = (p: LonLat, g: PolygonGeometry) => inRing(p, g.coordinates[0]) && !g.coordinates.slice(1).some((h) => inRing(p, h));

function metres(a: LonLat, b: LonLat): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(r(b[1] - a[1]) / 2) ** 2 + Math.cos(r(a[1])) * Math.cos(r(b[1])) * Math.sin(r(b[0] - a[0]) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

function crosses(a: LonLat, b: LonLat, c: LonLat, d: LonLat): boolean {
  const side = (p: LonLat, q: LonLat, r: LonLat) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
}
const edges = (ring: LonLat[]) => ring.slice(1).map((p, i) => [ring[i], p] as const);

/** Whether `p` lies on one of the ring's edges (within a hair: the demo's areas share their borders' points). */
function onOutline(p: LonLat, ring: LonLat[]): boolean {
  return edges(ring).some(([a, b]) => {
    const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
    const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]) <= 1e-9;
  });
}

/** A ring wholly inside a polygon or a circle: every corner inside or on the outline, no edge crossing it. */
function ringInside(ring: LonLat[], fence: { polygon?: PolygonGeometry; circle?: Circle }): boolean {
  if (fence.circle) return ring.every((p) => metres(fence.circle!.center, p) <= fence.circle!.radiusM);
  const g = fence.polygon!;
  return (
    ring.every((p) => inPolygon(p, g) || g.coordinates.some((r) => onOutline(p, r))) &&
    !edges(ring).some(([a, b]) => g.coordinates.some((r) => edges(r).some(([c, d]) => crosses(a, b, c, d))))
  );
}

/** Everyone the fence should reach in `dir`, with how. */
function bruteForce(dir: Directory, polygons: PolygonGeometry[], circles: Circle[], roles?: string[]): Map<string, string> {
  const shapes = [...polygons.map((polygon) => ({ polygon })), ...circles.map((circle) => ({ circle }))];
  const parents = new Map(dir.areas.map((a) => [a.code, a.parent]));
  const ringOf = new Map(dir.areas.filter((a) => a.geometry?.type === 'Polygon').map((a) => [a.code, a.geometry!.coordinates[0] as LonLat[]]));
  const shapeInside = (area: string | null): boolean =>
    area !== null && ((ringOf.has(area) && shapes.some((s) => ringInside(ringOf.get(area)!, s))) || shapeInside(parents.get(area) ?? null));
  const out = new Map<string, string>();
  for (const p of dir.people) {
    if (roles && !p.roles.some((r) => roles.includes(r))) continue;
    if (p.location) {
      const at = p.location as LonLat;
      if (polygons.some((g) => inPolygon(at, g)) || circles.some((c) => metres(c.center, at) <= c.radiusM)) out.set(p.id, 'location');
    } else if (shapeInside(p.area)) out.set(p.id, 'area-shape');
  }
  return out;
}

async function reached(h: Harness, orderId: string): Promise<Map<string, string>> {
  return new Map((await h.store.read.deliveries.ofOrder(orderId, 1_000_000)).map((d) => [d.personId, d.matched ?? '']));
}

async function demoDirectory(h: Harness): Promise<Directory> {
  return { areas: await h.store.read.directory.areas(), people: (await h.store.read.directory.people(1_000_000)) as Directory['people'] };
}

const box = (w: number, s: number, e: number, n: number): PolygonGeometry => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });

describe('geofence targeting (medium tier)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('reaches by location and, for those without one, by their area shape; the order view says which', async () => {
    h = await harness();
    const dir = await demoDirectory(h);
    const town = dir.areas.find((a) => a.code === TOWN)!.geometry as PolygonGeometry;
    const a = await h.order({ to: { polygons: [town] } });
    const got = await reached(h, a.orderId);
    expect(got).toEqual(bruteForce(dir, [town], []));
    // The whole town lies inside its own shape: everyone of it is reached, the unlocated by shape.
    const ofTown = dir.people.filter((p) => p.area.startsWith(TOWN));
    expect(ofTown.every((p) => got.has(p.id))).toBe(true);
    expect(new Set(got.values())).toEqual(new Set(['location', 'area-shape']));
    expect(a.deliveries).toBe(got.size);
  });

  it('reaches within a circle, narrows fences by role, and keeps the most specific match of a person reached twice', async () => {
    h = await harness();
    const dir = await demoDirectory(h);
    const head = dir.people.find((p) => p.roles.includes('village-head') && p.location)!;
    const circle: Circle = { center: head.location as LonLat, radiusM: 8_000 };
    const round = await h.order({ to: { circles: [circle] } });
    expect(await reached(h, round.orderId)).toEqual(bruteForce(dir, [], [circle]));
    const heads = await h.order({ to: { circles: [circle], roles: ['village-head'] } });
    expect(await reached(h, heads.orderId)).toEqual(bruteForce(dir, [], [circle], ['village-head']));
    const both = await h.order({ to: { people: [head.id], areas: [head.area], circles: [circle] } });
    const matched = await reached(h, both.orderId);
    expect(matched.get(head.id)).toBe('person');
    expect(dir.people.filter((p) => p.area === head.area && p.id !== head.id).every((p) => matched.get(p.id) === 'area')).toBe(true);
  });

  it("stops a scoped token's fence at its areas, silently, and refuses a fence that reaches nobody", async () => {
    h = await harness();
    const dir = await demoDirectory(h);
    const city = dir.areas.find((a) => a.parent === null)!.geometry as PolygonGeometry;
    const county = { ...ADMIN, id: 'county-desk', role: 'console' as const, areas: ['330102'] };
    const a = await h.core.orders.accept(county, 'fence-county', { priority: 'immediate', to: { polygons: [city] }, body: '转移', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
    const got = await reached(h, a.orderId);
    expect([...got.keys()].sort()).toEqual(dir.people.filter((p) => p.area.startsWith('330102')).map((p) => p.id).sort());
    await expect(h.order({ to: { polygons: [box(122, 30, 122.1, 30.1)] } })).rejects.toMatchObject({ code: 'no_recipients' });
  });

  it('agrees with a brute force on random directories and fences', async () => {
    const seed = Number(process.env.GEOFENCE_SEED ?? Date.now() % 1_000_000);
    process.stdout.write(`geofence property seed ${seed}\n`);
    const random = seededRandom(seed);
    const dir = randomDirectory(random);
    h = await harness({ directory: dir, simulators: [] });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(starPolygon(), { maxLength: 2 }), fc.array(circleArb(), { maxLength: 2 }), async (polygons, circles) => {
        const expected = bruteForce(dir, polygons, circles);
        if (!expected.size || polygons.length + circles.length === 0) return;
        const a = await h.order({ to: { polygons, circles } }, `prop-${++n}`);
        expect(await reached(h, a.orderId)).toEqual(expected);
      }),
      { seed, numRuns: 40 },
    );
  });
});

/** 16 villages tiling a 0.4-degree square in 4 towns, 300 people, one in ten without a location. */
function randomDirectory(random: () => number): Directory {
  const areas: Directory['areas'] = [{ code: 'c', name: '市', parent: null, geometry: box(120, 28, 120.4, 28.4) }];
  const villages: { code: string; box: [number, number, number, number] }[] = [];
  for (let t = 0; t < 4; t++) {
    const [tw, ts] = [120 + (t % 2) * 0.2, 28 + Math.floor(t / 2) * 0.2];
    areas.push({ code: `t${t}`, name: `镇${t}`, parent: 'c', geometry: box(tw, ts, tw + 0.2, ts + 0.2) });
    for (let v = 0; v < 4; v++) {
      const [w, s] = [tw + (v % 2) * 0.1, ts + Math.floor(v / 2) * 0.1];
      villages.push({ code: `t${t}v${v}`, box: [w, s, w + 0.1, s + 0.1] });
      areas.push({ code: `t${t}v${v}`, name: `村${v}`, parent: `t${t}`, geometry: box(w, s, w + 0.1, s + 0.1) });
    }
  }
  const people: Directory['people'] = Array.from({ length: 300 }, (_, i) => {
    const v = villages[Math.floor(random() * villages.length)];
    const location: LonLat = [v.box[0] + random() * 0.1, v.box[1] + random() * 0.1];
    return { id: `p${i}`, name: `人${i}`, area: v.code, roles: [], terminals: { public: `1380000${String(i).padStart(4, '0')}` }, ...(random() < 0.1 ? {} : { location }) };
  });
  return { areas, people };
}

/** Star-shaped around a centre, vertices at increasing angles: simple by construction. */
function starPolygon(): fc.Arbitrary<PolygonGeometry> {
  return fc
    .record({ cx: fc.double({ min: 120, max: 120.4, noNaN: true }), cy: fc.double({ min: 28, max: 28.4, noNaN: true }), radii: fc.array(fc.double({ min: 0.01, max: 0.3, noNaN: true }), { minLength: 3, maxLength: 12 }) })
    .map(({ cx, cy, radii }) => {
      const ring = radii.map((r, i): LonLat => [cx + r * Math.cos((2 * Math.PI * i) / radii.length), cy + r * Math.sin((2 * Math.PI * i) / radii.length)]);
      return { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
    });
}

function circleArb(): fc.Arbitrary<Circle> {
  return fc.record({
    center: fc.tuple(fc.double({ min: 120, max: 120.4, noNaN: true }), fc.double({ min: 28, max: 28.4, noNaN: true })),
    radiusM: fc.double({ min: 500, max: 30_000, noNaN: true }),
  });
}
