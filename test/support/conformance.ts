import { join } from 'node:path';
import { tempDir } from './child';
import { runConformance, type ConformanceOptions, type ConformanceReport } from '@lifeline/gateway-sdk';

interface Adapter {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/** Runs the conformance kit against an adapter made for the kit's URL and token; every check must pass. */
export async function expectConformance(o: Omit<ConformanceOptions, 'start'>, make: (url: string, token: string) => Adapter): Promise<ConformanceReport> {
  const r = await runConformance({
    stepTimeoutMs: 10_000,
    ...o,
    start: async (url, token) => {
      const a = make(url, token);
      await a.start();
      return () => a.stop();
    },
  });
  expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  return r;
}

/**
 * The kit with its restart check, against a far end slower than a restart: the attempt out at the
 * restart must be settled after it, by what outlived the adapter (its state file, a broker's session).
 */
export async function expectRestartSurvived(o: Omit<ConformanceOptions, 'start' | 'restart'>, make: (url: string, token: string) => Adapter): Promise<void> {
  const r = await expectConformance({ ...o, restart: true }, make);
  expect(r.checks.find((c) => c.name.includes('restart'))!.detail).toMatch(/^settled after the restart, from what outlived it/);
}

/** A state file of its own, in a fresh temporary directory. */
export function tempStateFile(): string {
  return join(tempDir(), 'keys.jsonl');
}
