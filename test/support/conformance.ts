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
