import type { Clock } from '@lifeline/domain';

/** Wall-clock time for adapter processes; tests inject a virtual clock instead. */
export const realClock: Clock = {
  now: () => Date.now(),
  schedule: (at, fn) => {
    const t = setTimeout(fn, Math.max(0, at - Date.now()));
    return () => clearTimeout(t);
  },
};
