import fc from 'fast-check';
import type { Circle, LonLat, OrderSpec, PolygonGeometry } from '@lifeline/domain';
import { harness, type Harness, ADMIN } from '../support/harness';

/**
 * The composer's preview counts whom an order would reach without writing anything; it must
 * agree with what sending the same order then creates, area by area, for every way of targeting
 * (people, areas, roles, fences, any mix), on both stores.
 */

const ROLES = ['village-head', 'town-official', 'rescue-team', 'militia', 'grid-worker'];

async function byArea(h: Harness, orderId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const d of await h.store.read.deliveries.ofOrder(orderId, 1_000_000)) out.set(d.area, (out.get(d.area) ?? 0) + 1);
  return out;
}

const order = (to: OrderSpec['to']): OrderSpec => ({ priority: 'routine', to, body: '台风即将登陆，请立即组织人员转移。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });

describe('order preview (medium tier)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('counts, by area, exactly whom the same order then reaches, and writes nothing', async () => {
    h = await harness({ simulators: [] });
    const areas = (await h.store.read.directory.areas()).filter((a) => a.geometry?.type === 'Polygon');
    const people = await h.store.read.directory.people(1_000);
    const located = people.filter((p) => p.location);
    const seed = Number(process.env.PREVIEW_SEED ?? Date.now() % 1_000_000);
    process.stdout.write(`order preview property seed ${seed}\n`);
    const target = fc.record(
      {
        areas: fc.uniqueArray(fc.constantFrom(...areas.map((a) => a.code)), { maxLength: 3 }),
        people: fc.uniqueArray(fc.constantFrom(...people.map((p) => p.id)), { maxLength: 5 }),
        roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 }),
        polygons: fc.uniqueArray(fc.constantFrom(...areas.map((a) => a.geometry as PolygonGeometry)), { maxLength: 1 }),
        circles: fc.array(fc.record({ at: fc.constantFrom(...located), radiusM: fc.integer({ min: 500, max: 15_000 }) }), { maxLength: 1 }),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        const to: OrderSpec['to'] = { ...t, circles: t.circles?.map((c): Circle => ({ center: c.at.location as LonLat, radiusM: c.radiusM })) };
        if (!to.areas?.length && !to.people?.length && !to.polygons?.length && !to.circles?.length) return;
        const before = await h.store.read.orders.list('all');
        const preview = await h.preview.preview(ADMIN, order(to));
        expect(await h.store.read.orders.list('all')).toHaveLength(before.length);
        if (preview.reach.people === 0) {
          await expect(h.core.orders.accept(ADMIN, `p-${++n}`, order(to))).rejects.toMatchObject({ code: 'no_recipients' });
          return;
        }
        const a = await h.core.orders.accept(ADMIN, `p-${++n}`, order(to));
        expect(preview.reach.people).toBe(a.deliveries);
        expect(new Map(preview.reach.areas.map((x) => [x.area, x.people]))).toEqual(await byArea(h, a.orderId));
      }),
      { seed, numRuns: 30 },
    );
  });

  it("refuses what sending refuses: areas and people outside the token's areas", async () => {
    h = await harness({ simulators: [] });
    const county = { ...ADMIN, id: 'county-desk', role: 'console' as const, areas: ['330102'] };
    await expect(h.preview.preview(county, order({ areas: ['330103'] }))).rejects.toMatchObject({ code: 'out_of_scope' });
    const elsewhere = (await h.store.read.directory.people(1_000)).find((p) => !p.area.startsWith('330102'))!;
    await expect(h.preview.preview(county, order({ people: [elsewhere.id] }))).rejects.toMatchObject({ code: 'unknown_person' });
    expect((await h.preview.preview(county, order({ areas: ['330102'] }))).reach.people).toBeGreaterThan(0);
  });

  it('shows each channel its own text: the ref always, the answer hint when asked, fitted to the channel', async () => {
    h = await harness({ simulators: [] });
    const long = '台风“梅花”今晚登陆滨江县，请立即组织沿海低洼地带群众向避灾安置点转移，并清点人数上报。'.repeat(3);
    const p = await h.preview.preview(ADMIN, { ...order({ areas: ['330102'] }), body: long, summary: '台风今晚登陆，立即转移沿海群众', ackRequired: true });
    expect(p.texts.map((t) => t.channel)).toEqual(h.config.channels.map((c) => c.id));
    for (const t of p.texts) {
      expect(t.text.startsWith(`[${p.ref}]`)).toBe(true);
      expect(t.text.endsWith('回复1确认')).toBe(true);
      expect(t.size).toBeLessThanOrEqual(t.capacity);
    }
    const byChannel = new Map(p.texts.map((t) => [t.kind, t]));
    expect(byChannel.get('public')).toMatchObject({ unit: 'ucs2', truncated: false });
    expect(byChannel.get('public')!.segments).toBeGreaterThan(1);
    expect(byChannel.get('pdt')!.text).toContain('台风今晚登陆'); // narrowband carries the summary
    expect(byChannel.get('beidou')).toMatchObject({ unit: 'bits' });
  });
});
