/** A connection tried until it is made, and the way to give up on it. */
export interface Retrying {
  /** No new try from now on; resolves when a try under way has ended. */
  stop(): Promise<void>;
  /** Resolves once a try succeeded (never, if none does). */
  readonly ready: Promise<void>;
}

/**
 * Tries `attempt` now and, while it fails, again every `everyMs`, until it succeeds or `stop`.
 * Bus connections are made so: a first connection to NATS fails at once while no server answers
 * (one left pending could not be closed, and would outlive its node), so the first one is tried
 * again here, and once made, NATS's own reconnection takes over. `onFirstFailure` hears the first
 * failure only: one line in the log, not one every two seconds.
 */
export function retryEvery(everyMs: number, attempt: () => Promise<void>, onFirstFailure: (e: Error) => void): Retrying {
  let stopped = false;
  let failed = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();
  let succeed!: () => void;
  const ready = new Promise<void>((r) => (succeed = r));
  const run = () => {
    current = attempt().then(
      () => succeed(),
      (e: unknown) => {
        if (stopped) return;
        if (!failed) onFirstFailure(e instanceof Error ? e : new Error(String(e)));
        failed = true;
        timer = setTimeout(run, everyMs);
      },
    );
  };
  run();
  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
