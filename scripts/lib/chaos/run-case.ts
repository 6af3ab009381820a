import fc from 'fast-check';
import { loadConfig } from '../../../apps/router/src/config/load-config';
import { runDrill } from '../../../apps/router/src/drills/run-drill';
import { chaosCase, type ChaosCase } from './chaos-case';
import { checkInvariants } from './invariants';
import { observe, type Observed } from './observer';

export interface ChaosResult {
  violations: string[];
  deliveries: number;
  sends: number;
  outages: number;
}

/**
 * Plays one chaos case as a drill (the real router in virtual time, simulated gateways, relays)
 * and checks every invariant. The simulators lose nothing on their own: loss comes from the
 * case's lossy and silent gateways, so "reachable, hence reached" is a fair demand.
 */
export async function runChaosCase(c: ChaosCase): Promise<ChaosResult> {
  const config = loadConfig('config/default.yaml');
  for (const ch of config.channels) ch.simulator.loss = 0;
  let seen: Observed | undefined;
  const run = await runDrill(c.scenario, {
    seed: c.seed,
    config,
    directory: c.directory,
    watch: (core) => (seen = observe(core)),
    beforeStop: async (l) => {
      // Nothing moves any more (the router quiesced and settled): what is stored now is final.
      l.core.quiesce();
      await l.core.settle();
      seen!.closed = true;
      for (const o of await l.store.read.orders.list('all', 1_000)) seen!.counts.set(o.id, await l.store.read.deliveries.countsByStatus(o.id));
    },
  });
  return { violations: checkInvariants(c, config, run, seen!), deliveries: run.deliveries.length, sends: seen!.sends.length, outages: run.outages.length };
}

export interface ChaosOptions {
  runs: number;
  seed?: number;
  /** fast-check's replay path of a failing case, with its seed. */
  path?: string;
  /** Called after each case, with running totals. */
  progress?: (done: number, totals: { deliveries: number; sends: number }) => void;
}

/**
 * fast-check drives the cases: on a violation it shrinks to a small failing case and throws with
 * the seed and path that replay it (`--seed S --path P`), plus the case and what broke.
 */
export async function chaos(o: ChaosOptions): Promise<{ seed: number; totals: { deliveries: number; sends: number } }> {
  const seed = o.seed ?? Date.now() % 2 ** 31;
  const totals = { deliveries: 0, sends: 0 };
  let done = 0;
  await fc.assert(
    fc.asyncProperty(chaosCase, async (c) => {
      const r = await runChaosCase(c);
      totals.deliveries += r.deliveries;
      totals.sends += r.sends;
      o.progress?.(++done, totals);
      if (r.violations.length) throw new Error(`${r.violations.length} violations:\n  ${r.violations.slice(0, 20).join('\n  ')}\ncase: ${JSON.stringify(c.scenario.timeline)}\npeople: ${JSON.stringify(c.directory.people)}`);
    }),
    { numRuns: o.runs, seed, path: o.path, endOnFailure: false },
  );
  return { seed, totals };
}
