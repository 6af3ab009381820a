import type { Clock } from '@lifeline/clock';

/**
 * `work`, or a timeout after `ms` (then `late`, if given, gets what the work yields after all,
 * such as a connection to give back). A half-open socket to the database would otherwise hang a
 * heartbeat for the kernel's keep-alive time: long past any lease.
 */
export function within<T>(clock: Clock, ms: number, work: Promise<T>, late?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const cancel = clock.schedule(clock.now() + ms, () => {
      timedOut = true;
      reject(new Error(`no answer from the database in ${ms} ms`));
    });
    work.then(
      (v) => (timedOut ? late?.(v) : (cancel(), resolve(v))),
      (e) => (timedOut ? undefined : (cancel(), reject(e))),
    );
  });
}
