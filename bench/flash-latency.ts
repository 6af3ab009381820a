import type { SystemClock } from '@lifeline/clock';
import type { RouterCore } from '@lifeline/engine';
import type { Storage } from '@lifeline/store';
import { performance } from 'node:perf_hooks';
import { ADMIN, fastSims, HUNDRED_K, spec, waitUntil } from './common';

export interface FlashLatency {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  routineInProgress: number;
  routineFinishedMeanwhile: number;
}

/**
 * One-person flash orders, one after another, while a routine order to `HUNDRED_K` is under way:
 * from the accept call to the flash order's first attempt handed to a gateway.
 */
export async function flashLatency(store: Storage, core: RouterCore, clock: SystemClock, label: string): Promise<FlashLatency> {
  const sims = fastSims(core, clock, ['public']);
  await core.settle();
  const seen = new Map<string, number>();
  const sends = core.sent$.subscribe(({ item }) => {
    if (item.priority === 'flash' && !seen.has(item.orderId)) seen.set(item.orderId, performance.now());
  });
  const finalsBefore = core.stats().engine.finals;
  const routine = await core.orders.accept(ADMIN, `latency-routine-${label}`, spec({ priority: 'routine', to: { areas: [HUNDRED_K] } }));
  const person = (await store.read.directory.people(1, 'p-0009'))[0];
  const samples: number[] = [];
  let i = 0;
  while (core.stats().engine.finals - finalsBefore < routine.deliveries * 0.9 && i < 300) {
    const t0 = performance.now();
    const a = await core.orders.accept(ADMIN, `latency-flash-${label}-${i++}`, spec({ to: { people: [person.id] } }));
    await waitUntil(() => seen.has(a.orderId));
    samples.push(seen.get(a.orderId)! - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  samples.sort((x, y) => x - y);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  const done = core.stats().engine.finals - finalsBefore;
  sends.unsubscribe();
  await waitUntil(() => core.stats().engine.finals - finalsBefore >= routine.deliveries + samples.length);
  sims.forEach((s) => s.disconnect());
  await core.settle();
  return { samples: samples.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), routineInProgress: routine.deliveries, routineFinishedMeanwhile: done };
}
