import { z } from 'zod';
import { orderSpec, outageBody } from '@lifeline/contracts';

/** "90s", "15m", "2h", "1h30m" or plain seconds, from the start of the drill. */
const offset = z.union([
  z.number().min(0),
  z
    .string()
    .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, 'expected a time like 90s, 15m, 2h or 1h30m')
    .refine((s) => s.length > 0, 'expected a time like 90s, 15m, 2h or 1h30m'),
]).transform((v) => {
  if (typeof v === 'number') return v;
  const part = (unit: string) => Number(new RegExp(`(\\d+)${unit}`).exec(v)?.[1] ?? 0);
  return part('h') * 3600 + part('m') * 60 + part('s');
});

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name');

const step = z.union([
  z.strictObject({ at: offset, order: orderSpec, name }),
  z.strictObject({ at: offset, outage: outageBody, name: name.optional() }),
  z.strictObject({ at: offset, end: name }),
  z.strictObject({ at: offset, reply: z.strictObject({ person: z.string(), order: name, text: z.string().optional() }) }),
  z.strictObject({ at: offset, cancel: name }),
]);

/** A drill: a timeline of orders, outages and replies over a directory, played in virtual time. */
export const scenarioSchema = z.strictObject({
  name,
  title: z.string(),
  description: z.string().optional(),
  seed: z.number().int().default(1),
  /** How long to play; the drill also runs on until every delivery is final. */
  duration: offset,
  /** When the drill starts, local time with its offset: people answer less, and later, at night. */
  startsAt: z.iso.datetime({ offset: true }).default('2026-07-01T08:00:00+08:00'),
  /** Config overlays on config/default.yaml (comma separated); default config/drills.yaml, its people. */
  config: z.string().default('config/drills.yaml'),
  timeline: z.array(step).min(1),
});
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioStep = Scenario['timeline'][number];
