import fc from 'fast-check';
import { GATEWAY_FAULTS, OUTAGE_KINDS, PRIORITIES, type Area, type Person, type Terminals } from '@lifeline/domain';
import type { Directory } from '../../../apps/router/src/lifeline';
import { scenarioSchema, type Scenario } from '../../../apps/router/src/drills/scenario.schema';

/** One random drill: a small directory, a timeline over it, and the simulators' seed. */
export interface ChaosCase {
  seed: number;
  directory: Directory;
  scenario: Scenario;
}

const CHANNELS = ['public', 'drone', 'pdt', 'tiantong', 'beidou'] as const;
const BODIES = ['台风即将登陆，请立即组织人员转移。', '山洪预警：沿溪村民立即向高处转移，不要涉水。', '地震后余震风险，请勿返回危房。', '请各村汇报转移人数。'];
/** What people answer: the order's ref (the default), bare acks, noise, and refs of no order. */
const REPLY_TEXTS = [undefined, '1', '收到', 'OK', '我不在家', 'ZZZZ 1', '2'];

const chance = (pct: number) => fc.integer({ min: 1, max: 100 }).map((n) => n <= pct);

function areasOf(shape: { counties: number; towns: number; villages: number }): Area[] {
  const areas: Area[] = [{ code: '330100', name: '临海市', parent: null }];
  for (let c = 0; c < shape.counties; c++) {
    const county = `3301${String(c + 2).padStart(2, '0')}`;
    areas.push({ code: county, name: `县${c + 1}`, parent: '330100' });
    for (let t = 0; t < shape.towns; t++) {
      const town = `${county}${String(t + 1).padStart(3, '0')}`;
      areas.push({ code: town, name: `镇${c + 1}-${t + 1}`, parent: county });
      for (let v = 0; v < shape.villages; v++) areas.push({ code: `${town}${String(v + 1).padStart(3, '0')}`, name: `村${c + 1}-${t + 1}-${v + 1}`, parent: town });
    }
  }
  return areas;
}

const personArb = (places: string[]) =>
  fc.record({
    area: fc.constantFrom(...places),
    role: fc.constantFrom('village-head', 'militia', 'resident', 'rescue-team'),
    public: chance(90),
    pdt: chance(30),
    tiantong: chance(30),
    beidou: chance(20),
  });

const directoryArb: fc.Arbitrary<Directory> = fc
  .record({ counties: fc.integer({ min: 1, max: 2 }), towns: fc.integer({ min: 1, max: 2 }), villages: fc.integer({ min: 1, max: 3 }) })
  .chain((shape) => {
    const areas = areasOf(shape);
    // Most people live in villages; some staff sit at town and county level.
    const places = areas.filter((a) => a.parent !== null).map((a) => a.code);
    return fc.array(personArb(places), { minLength: 1, maxLength: 16 }).map((drafts) => {
      const people: Person[] = drafts.map((d, i) => {
        const n = String(i + 1).padStart(4, '0');
        const terminals: Terminals = {};
        if (d.public) terminals.public = `1380000${n}`;
        if (d.pdt) terminals.pdt = `3300${n}`;
        if (d.tiantong) terminals.tiantong = `1740000${n}`;
        if (d.beidou) terminals.beidou = `09${n}`;
        return { id: `p-${n}`, name: `人员${i + 1}`, area: d.area, roles: [d.role], terminals };
      });
      return { areas: areas.map((a) => ({ ...a })), people } as Directory;
    });
  });

const orderArb = (areas: string[], people: string[]) =>
  fc
    .record({
      at: fc.integer({ min: 0, max: 3600 }),
      priority: fc.constantFrom(...PRIORITIES),
      areas: fc.subarray(areas, { maxLength: Math.min(2, areas.length) }),
      people: fc.subarray(people, { maxLength: Math.min(3, people.length) }),
      body: fc.constantFrom(...BODIES),
      summary: chance(50),
      ackRequired: chance(60),
      ttlS: fc.integer({ min: 600, max: 3 * 3600 }),
      ackFraction: fc.integer({ min: 5, max: 100 }),
    })
    .map((o) => ({
      at: o.at,
      order: {
        priority: o.priority,
        to: o.areas.length || !o.people.length ? { areas: o.areas.length ? o.areas : [areas[0]] } : { people: o.people },
        body: o.body,
        ...(o.summary ? { summary: '请立即转移' } : {}),
        ackRequired: o.ackRequired,
        ackWithinS: Math.max(60, Math.floor((o.ttlS * o.ackFraction) / 100)),
        ttlS: o.ttlS,
      },
    }));

const outageArb = (areas: string[]) =>
  fc
    .record({
      at: fc.integer({ min: 0, max: 3 * 3600 }),
      kind: fc.constantFrom(...OUTAGE_KINDS),
      area: fc.option(fc.constantFrom(...areas), { freq: 6 }),
      channel: fc.constantFrom(...CHANNELS),
      mode: fc.constantFrom(...GATEWAY_FAULTS),
      loss: fc.integer({ min: 10, max: 100 }).map((n) => n / 100),
      durationS: fc.option(fc.integer({ min: 60, max: 4 * 3600 }), { freq: 4 }),
      endAfterS: fc.integer({ min: 60, max: 4 * 3600 }),
    })
    .map((o) => ({
      at: o.at,
      outage: {
        kind: o.kind,
        ...(o.area === null ? {} : { area: o.area }),
        ...(o.kind === 'gateway' ? { channel: o.channel, mode: o.mode, ...(o.mode === 'lossy' ? { loss: o.loss } : {}) } : {}),
        ...(o.durationS === null ? {} : { durationS: o.durationS }),
      },
      /** Outages without a duration end through the drills API, or never. */
      endAt: o.durationS === null ? o.at + o.endAfterS : null,
    }));

/** A directory and a timeline over it: orders, outages (some ended by hand), replies, cancels. */
export const chaosCase: fc.Arbitrary<ChaosCase> = fc
  .record({ seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), directory: directoryArb })
  .chain(({ seed, directory }) => {
    const areas = directory.areas.map((a) => a.code);
    const people = directory.people.map((p) => p.id);
    return fc
      .record({
        orders: fc.array(orderArb(areas, people), { minLength: 1, maxLength: 4 }),
        outages: fc.array(outageArb(areas), { maxLength: 5 }),
        replies: fc.array(fc.record({ at: fc.integer({ min: 0, max: 4 * 3600 }), person: fc.constantFrom(...people), order: fc.nat(), text: fc.constantFrom(...REPLY_TEXTS) }), { maxLength: 5 }),
        cancels: fc.array(fc.record({ at: fc.integer({ min: 0, max: 3 * 3600 }), order: fc.nat() }), { maxLength: 1 }),
      })
      .map((t) => {
        const orderName = (i: number) => `o${i % t.orders.length}`;
        const timeline = [
          ...t.orders.map((o, i) => ({ ...o, name: `o${i}` })),
          ...t.outages.flatMap((o, i) => [{ at: o.at, outage: o.outage, name: `x${i}` }, ...(o.endAt === null ? [] : [{ at: o.endAt, end: `x${i}` }])]),
          ...t.replies.map((r) => ({ at: r.at, reply: { person: r.person, order: orderName(r.order), ...(r.text === undefined ? {} : { text: r.text }) } })),
          ...t.cancels.map((c) => ({ at: c.at, cancel: orderName(c.order) })),
        ];
        const duration = Math.max(...timeline.map((s) => s.at)) + 60;
        const scenario = scenarioSchema.parse({ name: 'chaos', title: 'chaos', seed, duration, timeline });
        return { seed, directory, scenario };
      });
  });
