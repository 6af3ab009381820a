/**
 * `npm run chaos -- --runs 100000 [--seed S] [--path P] [--kills N]`: random drills (directories,
 * orders, replies, outages) against the real router in virtual time, each checked against every
 * invariant. A failure prints the seed and path that replay it, shrunk to a small case.
 * `--kills N` then runs the crash suite with N SIGKILLs instead of the 20 of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { chaos } from './lib/chaos/run-case';
import { arg } from './lib/args';

function integer(name: string, fallback?: number): number | undefined {
  const v = arg(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`chaos: --${name}: expected a non-negative integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const runs = integer('runs', 1_000)!;
  const t0 = performance.now();
  let shown = 0;
  const { seed, totals } = await chaos({
    runs,
    seed: integer('seed'),
    path: arg('path'),
    progress: (done, t) => {
      const now = performance.now();
      // A terminal gets a live line; a log gets a line every ten seconds.
      if (now - shown < (process.stderr.isTTY ? 500 : 10_000) && done < runs) return;
      shown = now;
      const rate = done / ((now - t0) / 1000);
      process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}${done}/${runs} cases, ${t.deliveries} deliveries, ${t.sends} sends, ${rate.toFixed(1)} cases/s${process.stderr.isTTY ? '   ' : '\n'}`);
    },
  });
  process.stderr.write(`\nchaos: ${runs} cases passed (seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${totals.deliveries} deliveries, ${totals.sends} sends\n`);
  const kills = integer('kills', 0)!;
  if (kills > 0) {
    process.stderr.write(`chaos: crash suite with ${kills} kills\n`);
    const r = spawnSync('npx', ['jest', 'test/crash/crash.test.ts'], { stdio: 'inherit', env: { ...process.env, CRASH_KILLS: String(kills) } });
    if (r.status !== 0) process.exit(1);
  }
}

main().catch((e) => {
  const cause = (e as Error).cause as Error | undefined;
  process.stderr.write(`\nchaos: ${(e as Error).message ?? e}\n${cause ? `\n${cause.message}\n` : ''}`);
  process.exit(1);
});
