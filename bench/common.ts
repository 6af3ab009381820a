import type { SystemClock } from '@lifeline/clock';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SimulatedGateway } from '@lifeline/channels';
import type { OrderSpec } from '@lifeline/domain';
import type { EngineConfig, Principal, RouterCore } from '@lifeline/engine';
import type { Storage } from '@lifeline/store';
import { engineConfig, loadConfig } from '../apps/router/src/config/load-config';
import { generateDirectory } from '../scripts/lib/directory-generator';
import { arg } from '../scripts/lib/args';

/** What both benches share: the scale, the orders they send, the gateways that answer at once. */
export const ADMIN: Principal = { id: 'bench', role: 'admin', areas: null, channel: null };
export const quick = process.argv.includes('--quick');
export const only = arg('only') ?? null;
export const wanted = (name: string) => only === null || only.split(',').includes(name);
export const PEOPLE = quick ? 100_000 : 1_000_000;
export const COUNTY = '330102'; // 100,000 people at the full scale, 10,000 in --quick
export const CITY = '330100';
/** About 100,000 people at either scale: a county of the full directory, the whole --quick one. */
export const HUNDRED_K = quick ? CITY : COUNTY;

export const log = (m: string) => process.stderr.write(`${m}\n`);
export const ms = (t: number) => `${t.toFixed(1)} ms`;

export function spec(over: Partial<OrderSpec> & Pick<OrderSpec, 'to'>): OrderSpec {
  return { priority: 'flash', body: '台风红色预警：请立即组织危险区域人员全部转移。', ackRequired: false, ackWithinS: 600, ttlS: 86_400, ...over };
}

/** Gateways with no latency, loss or rate: what is measured is the router. */
export function fastSims(core: RouterCore, clock: SystemClock, channels: string[], silent = false): SimulatedGateway[] {
  return channels.map((channel, i) => {
    const sim = new SimulatedGateway(
      { channel, gatewayId: `bench-${channel}`, areas: [CITY], window: 100_000, acceptMs: [0, 0], deliverMs: [0, 0], loss: 0, ratePerS: 1e9, minIntervalMs: 0, concurrent: 0, replyProbability: 0, replyDelayMs: [0, 0], invalidPrefix: null },
      clock,
      i + 1,
    );
    sim.connect(core.gateways);
    if (silent) sim.mode = 'silent';
    return sim;
  });
}

export async function waitUntil(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

/** A table of measures against their same-run baselines. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 10));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join(' | ');
  return `${line(['measure', 'lifeline', 'baseline (same run)', 'ratio / target'])}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map(line).join('\n')}\n`;
}

/** The default config with channels that never time out or throttle: what is measured is the router. */
export function benchConfig(): EngineConfig {
  const config = engineConfig(loadConfig('config/default.yaml'));
  for (const c of config.channels.list) Object.assign(c, { acceptTimeoutS: 3600, deliveryTimeoutS: 7200, capacity: { ratePerS: 1e9, burst: 1e9, areaDepth: 0 } });
  return config;
}

/** The generated directory of PEOPLE people (seed 7) into a store, timed. */
export async function loadDirectory(store: Storage, label: string): Promise<void> {
  const t0 = performance.now();
  const d = generateDirectory({ people: PEOPLE, seed: 7 });
  const n = await store.write((s) => s.directory.replace(d.areas, d.people()));
  log(`${label}: directory of ${n.toLocaleString()} people loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** What the figures were measured on. */
export function machine() {
  return { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, people: PEOPLE };
}

/**
 * Writes a whole run's figures to `file` (the README quotes them). A run of some parts (`--only`)
 * writes nothing: the file keeps the last whole run rather than a mix, or a part alone.
 */
export function writeResults(file: string, machine: Record<string, unknown>, results: Record<string, unknown>): void {
  if (only !== null) {
    process.stdout.write(`${file} not written: --only ran part of the bench\n`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
