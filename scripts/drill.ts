/**
 * `npm run drill -- config/scenarios/typhoon.yaml [--seed 7] [--out drill-reports]`: plays a
 * scenario in virtual time and writes a Markdown and JSON report and an SVG timeline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, readStructured } from '../apps/router/src/config/load-config';
import { markdown, summarize, svg } from '../apps/router/src/drills/drill-report';
import { runDrill } from '../apps/router/src/drills/run-drill';
import { scenarioSchema } from '../apps/router/src/drills/scenario.schema';
import { arg } from './lib/args';

function bar(done: number, total: number): void {
  if (!process.stderr.isTTY && done < total) return;
  const width = 30;
  const f = Math.min(1, done / Math.max(1, total));
  const h = (done / 3_600_000).toFixed(1);
  process.stderr.write(`\r[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${(f * 100).toFixed(0).padStart(3)} %  ${h} h simulated`);
}

async function main(): Promise<void> {
  const file = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (!file) throw new ConfigError('usage: npm run drill -- <scenario.yaml> [--seed N] [--out DIR]');
  const scenario = readStructured(resolve(file), scenarioSchema);
  const seedArg = arg('seed');
  const seed = seedArg === undefined ? scenario.seed : Number(seedArg);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed: expected an integer, got ${seedArg}`);
  process.stderr.write(`drill ${scenario.name} (seed ${seed}): ${scenario.title}\n`);
  const t0 = performance.now();
  let last = 0;
  const run = await runDrill(scenario, {
    seed,
    progress: (done, total) => {
      if (done - last >= 600_000 || done >= total) bar((last = done), total);
    },
  });
  process.stderr.write(`\n${((run.endAt - run.startAt) / 3_600_000).toFixed(1)} h played in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const summary = summarize(run);
  const out = resolve(arg('out') ?? 'drill-reports');
  mkdirSync(out, { recursive: true });
  const stem = `${basename(file).replace(/\.ya?ml$/, '')}-seed${seed}`;
  writeFileSync(join(out, `${stem}.svg`), svg(run));
  writeFileSync(join(out, `${stem}.md`), markdown(run, summary, `${stem}.svg`));
  writeFileSync(join(out, `${stem}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  const s = summary;
  process.stdout.write(
    `deliveries ${s.deliveries}: ${Object.entries(s.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
      `reach rate ${(s.reachRate * 100).toFixed(1)} %, answer rate (叫应率) ${s.answerRate === null ? 'n/a' : `${(s.answerRate * 100).toFixed(1)} %`}, never reached ${s.neverReached.length}\n` +
      `report: ${join(out, `${stem}.md`)} (.json, .svg)\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`\ndrill: ${e instanceof ConfigError ? e.message : ((e as Error).stack ?? e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
