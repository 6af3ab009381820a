import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStructured } from '../../apps/router/src/config/load-config';
import { markdown, summarize, svg } from '../../apps/router/src/drills/drill-report';
import { runDrill, type DrillRun } from '../../apps/router/src/drills/run-drill';
import { scenarioSchema } from '../../apps/router/src/drills/scenario.schema';

const FINAL = new Set(['acknowledged', 'delivered', 'unanswered', 'expired', 'failed', 'cancelled']);
const load = (name: string) => readStructured(`config/scenarios/${name}.yaml`, scenarioSchema);

describe('drills: scenarios in virtual time, with reports', () => {
  const runs = new Map<string, DrillRun>();
  beforeAll(async () => {
    for (const name of ['typhoon', 'flash-flood', 'earthquake']) runs.set(name, await runDrill(load(name)));
  });

  it.each(['typhoon', 'flash-flood', 'earthquake'])('%s: every delivery ends final, with one final receipt each, and no step was refused', (name) => {
    const run = runs.get(name)!;
    expect(run.problems).toEqual([]);
    expect(run.deliveries.length).toBe(run.orders.reduce((n, o) => n + o.deliveries, 0));
    expect(run.deliveries.filter((d) => !FINAL.has(d.status))).toEqual([]);
    const finals = new Map<string, number>();
    for (const e of run.events) {
      const p = e.payload as { type: string; status?: string; deliveryId?: string };
      if (p.type === 'receipt' && FINAL.has(p.status!) && p.status !== 'delivered') finals.set(p.deliveryId!, (finals.get(p.deliveryId!) ?? 0) + 1);
    }
    expect([...finals.values()].every((n) => n === 1)).toBe(true);
  });

  it('flash flood: only satellite reaches the valley until the drone relay arrives', () => {
    const run = runs.get('flash-flood')!;
    const s = summarize(run);
    expect(s.relays.map((r) => [r.type, r.resource ?? null])).toEqual([
      ['relay.request', null],
      ['relay.dispatched', 'wing-loong-1'],
      ['relay.arrived', 'wing-loong-1'],
    ]);
    const arrived = run.events.find((e) => e.type === 'relay.arrived')!.at;
    const early = run.events.filter((e) => e.type === 'receipt' && (e.payload as { status: string }).status === 'delivered' && e.at < arrived);
    expect(new Set(early.map((e) => (e.payload as { channel: string }).channel))).toEqual(new Set(['tiantong', 'beidou']));
    expect(Object.keys(s.timeToDelivered.byChannel)).toContain('drone');
  });

  it('writes a report with the rates, times by channel and priority, and an SVG timeline', () => {
    const run = runs.get('typhoon')!;
    const s = summarize(run);
    expect(s.reachRate).toBeGreaterThan(0.9);
    expect(s.answerRate).not.toBeNull();
    const md = markdown(run, s, 'x.svg');
    expect(md).toMatch(/叫应率/);
    expect(md).toMatch(/\| public \| \d+ \|/);
    expect(md).toMatch(/public in 330102001 沙头镇: down/);
    expect(md).toMatch(/## What the simulation assumed\n- The drill starts at 2026-08-03T18:00:00\+08:00/);
    expect(md).toMatch(/People holding city-official, county-official, town-official, village-head: answer 90 %/);
    const picture = svg(run);
    expect(picture.startsWith('<svg')).toBe(true);
    expect(picture).toMatch(/public 330102001 沙头镇/);
    expect(picture).toMatch(/>degraded</); // the strips' legend
  });

  it('draws the outage a scenario starts with, at +0:00', () => {
    const run = runs.get('flash-flood')!;
    expect(svg(run)).toMatch(/public 330103004 黄泥镇/);
  });

  it("plays people as people: by role and time of day some never answer and some phones are off, the same for a seed", () => {
    const s = summarize(runs.get('earthquake')!);
    // Officials and rescue teams, asked in the afternoon: most answer, not all.
    expect(s.answerRate).toBeGreaterThan(0.7);
    expect(s.answerRate).toBeLessThan(1);
    expect(s.unanswered.length).toBeGreaterThan(0);
    expect(s.neverReached.length).toBeGreaterThan(0);
    // The flash flood starts at 03:00: people at night answer less often than in the afternoon's earthquake.
    const night = summarize(runs.get('flash-flood')!);
    expect(night.answerRate!).toBeLessThan(s.answerRate!);
  });

  it('is deterministic for a seed', async () => {
    const again = await runDrill(load('flash-flood'));
    expect(summarize(again)).toEqual(summarize(runs.get('flash-flood')!));
  });

  it('refuses a bad scenario file, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-scenario-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\ntitle: x\nduration: 2 hours\ntimeline:\n  - at: 5m\n    outage: { kind: flood }\n');
    expect(() => readStructured(file, scenarioSchema)).toThrow(/duration: expected a time like 90s/);
  });
});
