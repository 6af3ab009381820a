import { VirtualClock } from '@lifeline/clock';
import { SILENT_LOG } from '@lifeline/domain';
import type { Outage } from '@lifeline/domain';
import { type Principal, type RouterCore } from '@lifeline/engine';
import type { StoredEvent } from '@lifeline/store';
import type { Config } from '../config/config.schema';
import { loadConfig } from '../config/load-config';
import { Lifeline, type Directory } from '../lifeline';
import type { Scenario, ScenarioStep } from './scenario.schema';

export interface DrillOrder {
  name: string;
  orderId: string;
  ref: string;
  priority: string;
  ackRequired: boolean;
  deliveries: number;
  acceptedAt: number;
}

export interface DrillRun {
  scenario: Scenario;
  seed: number;
  startAt: number;
  endAt: number;
  orders: DrillOrder[];
  /** Deliveries by status, sampled every simulated minute. */
  samples: { at: number; counts: Record<string, number> }[];
  events: StoredEvent[];
  /** The last status, channel and detail of every delivery, by person. */
  deliveries: { orderName: string; personId: string; personName: string; area: string; status: string; channel: string | null; detail: string | null }[];
  /** Every outage the drill injected, as the router stored it (ended ones with their end). */
  outages: Outage[];
  /** Steps the router refused, with why: a drill reports them instead of stopping. */
  problems: string[];
  /** Area names by code, for the report. */
  areaNames: Record<string, string>;
  /** What the simulation assumed (start time, people, channels, relays), in words, for the report. */
  assumptions: string[];
}

export interface DrillOptions {
  seed?: number;
  progress?: (done: number, total: number) => void;
  /** Instead of the scenario's config file (chaos runs build theirs). */
  config?: Config;
  directory?: Directory;
  /** Called with the core before anything runs: observers attach here. */
  watch?: (core: RouterCore) => void;
  /** Called after the last step, before the router stops: a last look at its state. */
  beforeStop?: (l: Lifeline) => Promise<void> | void;
}

const STEP_MS = 60_000;

/**
 * Plays a scenario in virtual time against the real router (store in memory, simulated gateways,
 * relays): hours of disaster in seconds, deterministic for a seed.
 */
export async function runDrill(scenario: Scenario, o: DrillOptions = {}): Promise<DrillRun> {
  const seed = o.seed ?? scenario.seed;
  const config = o.config ?? loadConfig(scenario.config);
  config.simulation.seed = seed;
  const clock = new VirtualClock(Date.parse(scenario.startsAt));
  const lifeline = await Lifeline.create({ config, directory: o.directory, watch: o.watch, database: ':memory:', clock, simulators: 'all', log: SILENT_LOG });
  const { core, store } = lifeline;
  const settle = () => core.settle();
  const startAt = clock.now();
  const orders = new Map<string, DrillOrder>();
  const outages = new Map<string, string>();
  const problems: string[] = [];
  const samples: DrillRun['samples'] = [];
  const sample = async () => samples.push({ at: clock.now(), counts: await store.read.deliveries.countsByStatus() });

  // The scenario itself is the actor of its steps, as the audit trail records them.
  const runner: Principal = { id: 'drill-runner', name: `scenario ${scenario.name}`, role: 'admin', areas: null, channel: null };
  const apply = async (step: ScenarioStep): Promise<void> => {
    const when = `at ${step.at}s`;
    try {
      if ('order' in step) {
        const a = await core.orders.accept(runner, `drill-${step.name}`, step.order);
        orders.set(step.name, { name: step.name, orderId: a.orderId, ref: a.ref, priority: step.order.priority, ackRequired: step.order.ackRequired, deliveries: a.deliveries, acceptedAt: clock.now() });
      } else if ('outage' in step) {
        const out = await core.outages.add(step.outage, runner);
        if (step.name) outages.set(step.name, out.id);
      } else if ('end' in step) {
        const id = outages.get(step.end);
        if (!id) throw new Error(`no outage named ${step.end}`);
        await core.outages.end(id, runner);
      } else if ('reply' in step) {
        const order = orders.get(step.reply.order);
        if (!order) throw new Error(`no order named ${step.reply.order}`);
        const r = await lifeline.simulateReply(runner, step.reply.person, order.orderId, step.reply.text);
        if (r === null || r === 'unreachable') throw new Error(`${step.reply.person} cannot answer ${step.reply.order}: ${r ?? 'no delivery'}`);
      } else {
        const order = orders.get(step.cancel);
        if (!order) throw new Error(`no order named ${step.cancel}`);
        await core.orders.cancel(runner, order.orderId);
      }
    } catch (e) {
      problems.push(`${when}: ${(e as Error).message}`);
    }
  };
  for (const step of [...scenario.timeline].sort((a, b) => a.at - b.at)) clock.schedule(startAt + step.at * 1000, () => void apply(step));

  const playUntil = startAt + scenario.duration * 1000;
  const lastTtl = Math.max(...scenario.timeline.map((s) => ('order' in s ? s.at + s.order.ttlS : 0)));
  const hardStop = startAt + (Math.max(scenario.duration, lastTtl) + config.graceS + 300) * 1000;
  await sample();
  let waiting = await open(lifeline);
  while (clock.now() < playUntil || (clock.now() < hardStop && waiting > 0)) {
    await clock.advance(STEP_MS, settle);
    await sample();
    waiting = await open(lifeline);
    // Past the scenario's end the bar stretches a step at a time while deliveries are still open.
    const end = clock.now() < playUntil ? playUntil : clock.now() + (waiting > 0 ? STEP_MS : 0);
    o.progress?.(clock.now() - startAt, Math.min(hardStop, end) - startAt);
  }
  await settle();

  const events: StoredEvent[] = [];
  for (let since = 0; ; ) {
    const page = await store.read.events.since(since, 10_000);
    if (!page.length) break;
    events.push(...page);
    since = page[page.length - 1].seq;
  }
  const names = new Map((await store.read.directory.people(100_000)).map((p) => [p.id, p.name]));
  const areaNames = Object.fromEntries(core.areas.all().map((a) => [a.code, a.name]));
  const deliveries: DrillRun['deliveries'] = [];
  for (const order of orders.values())
    for (const d of await store.read.deliveries.ofOrder(order.orderId, 1_000_000))
      deliveries.push({ orderName: order.name, personId: d.personId, personName: names.get(d.personId) ?? d.personId, area: d.area, status: d.status, channel: d.channel, detail: d.machine?.context.detail ?? null });
  const endAt = clock.now();
  await o.beforeStop?.(lifeline);
  const injected = await store.read.outages.all();
  await lifeline.stop();
  return { scenario, seed, startAt, endAt, orders: [...orders.values()], samples, events, deliveries, outages: injected, problems, areaNames, assumptions: assumptions(scenario, config) };
}

/** The simulation's assumptions in words: what a reader of the report must know to trust it. */
function assumptions(scenario: Scenario, config: Config): string[] {
  const out = [`The drill starts at ${scenario.startsAt} (local time), with the config ${scenario.config}.`];
  const people = config.simulation.people;
  if (!people) out.push('People: everyone answers as the channel simulators say (no roles, no time of day, no phones off).');
  else {
    for (const r of people.rules)
      out.push(
        `People ${r.roles ? `holding ${r.roles.join(', ')}` : 'without those roles'}: answer ${Math.round(r.answer * 100)} % of orders that ask, ${r.delayS[0] / 60}-${r.delayS[1] / 60} min after receiving them; ${Math.round(r.phoneOff * 100)} % have a phone off.`,
      );
    const n = people.night;
    out.push(`At night (${n.fromHour}:00-${n.toHour}:00) people answer ${Math.round(n.answerFactor * 100)} % as often and take ${n.delayFactor} times as long.`);
  }
  for (const c of config.channels) {
    const s = c.simulator;
    out.push(
      `${c.id}: ${Math.round(s.loss * 1000) / 10} % of accepted messages lost, delivered ${s.deliverMs[0] / 1000}-${s.deliverMs[1] / 1000} s after acceptance, ${s.ratePerS}/s` +
        `${s.minIntervalMs ? `, one send per ${s.minIntervalMs / 1000} s` : ''}${s.receipts ? '' : ', no delivery receipts'}${people ? '' : `, ${Math.round(s.replyProbability * 100)} % of people answering`}${s.coverage ? `, covering ${s.coverage.areas.join(', ')} for ${s.coverage.forS / 3600} h from the start` : ''}.`,
    );
  }
  for (const r of config.relays.resources) out.push(`Relay ${r.id} (${r.channel}, by ${r.by}) from ${r.base}: ${r.arrivalS / 60} min to arrive, ${r.onStationS / 3600} h on station.`);
  return out;
}

async function open(l: Lifeline): Promise<number> {
  return (await l.store.read.orders.list('open', 10_000)).reduce((n, o) => n + Number(o.open_count), 0);
}
