import { SimulatedPeople, type PeopleSpec } from './simulated-people';

const spec: PeopleSpec = {
  rules: [
    { roles: ['village-head'], answer: 1, delayS: [60, 120], phoneOff: 0 },
    { roles: null, answer: 0.5, delayS: [100, 200], phoneOff: 0.5 },
  ],
  night: { fromHour: 0, toHour: 6, answerFactor: 0, delayFactor: 2 },
  utcOffsetMin: 480,
};
const people = new Map(Array.from({ length: 1000 }, (_, i) => [`138${i}`, { id: `p-${i}`, roles: i === 0 ? ['village-head'] : [] }]));
const sim = (seed = 1) => new SimulatedPeople(spec, seed, (kind, address) => (kind === 'public' ? people.get(address) : undefined));
const afternoon = Date.parse('2026-07-01T15:00:00+08:00');
const night = Date.parse('2026-07-01T03:00:00+08:00');

describe('SimulatedPeople', () => {
  it('applies the first rule naming one of the roles, and the catch-all to the rest', () => {
    expect(sim().behaviour('public', '1380', afternoon)).toEqual({ phoneOff: false, answers: true, delayMs: [60_000, 120_000] });
    const rest = [...people.keys()].slice(1).map((a) => sim().behaviour('public', a, afternoon)!);
    const share = (f: (b: (typeof rest)[number]) => boolean) => rest.filter(f).length / rest.length;
    expect(share((b) => b.answers)).toBeGreaterThan(0.45);
    expect(share((b) => b.answers)).toBeLessThan(0.55);
    expect(share((b) => b.phoneOff)).toBeGreaterThan(0.45);
    expect(share((b) => b.phoneOff)).toBeLessThan(0.55);
  });

  it('at night fewer answer, and later', () => {
    expect(sim().behaviour('public', '1380', night)).toEqual({ phoneOff: false, answers: false, delayMs: [120_000, 240_000] });
  });

  it('draws the same for a seed, and leaves addresses nobody holds to the channel', () => {
    const draws = (seed: number) => [...people.keys()].map((a) => sim(seed).behaviour('public', a, afternoon)!.phoneOff);
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    expect(sim().behaviour('tiantong', '1380', afternoon)).toBeNull();
  });
});
