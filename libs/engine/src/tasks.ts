import type { Log } from '@lifeline/domain';

/**
 * The router's background work (channel wake-ups, events written after a change): tracked so that
 * `settle` and a stop can wait for it, with failures logged rather than lost; and the one switch a
 * stopping router throws so that nothing starts reacting to the world any more.
 */
export class Tasks {
  private readonly running = new Set<Promise<unknown>>();
  /** Set by `quiesce`: a stopping router changes no state because of its own stop. */
  stopped = false;

  constructor(readonly log: Log) {}

  track(p: Promise<unknown>): void {
    const t = p.catch((e) => this.log.error('background task failed', { err: (e as Error).stack ?? String(e) }));
    this.running.add(t);
    void t.finally(() => this.running.delete(t));
  }

  get size(): number {
    return this.running.size;
  }

  all(): Promise<unknown[]> {
    return Promise.all([...this.running]);
  }
}
