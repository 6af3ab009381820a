import type { Sql } from './sql';

interface Job {
  fn: (sql: Sql) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * The single writer: every write is a job; jobs queued in the same turn of the event loop commit
 * together in one transaction, each in its own savepoint so one bad job cannot sink the batch.
 * A job's promise settles only after the commit: durable before acknowledged.
 */
export class Writer {
  private queue: Job[] = [];
  private scheduled = false;
  private closed = false;
  batches = 0;

  constructor(
    private readonly sql: Sql,
    /** Called after any rollback, so counters kept beside the data (event seq) can resync. */
    private readonly onRollback: () => void = () => {},
    private readonly maxBatch = 2_000,
  ) {}

  write<T>(fn: (sql: Sql) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Commits what is queued now; used by shutdown to finish writes in flight. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const results: { ok: boolean; value: unknown }[] = [];
      try {
        this.sql.transaction(() => {
          for (const job of batch) {
            try {
              results.push({ ok: true, value: this.sql.transaction(() => job.fn(this.sql)) });
            } catch (e) {
              results.push({ ok: false, value: e });
              this.onRollback();
            }
          }
        });
      } catch (e) {
        this.onRollback();
        for (const job of batch) job.reject(e);
        continue;
      }
      this.batches++;
      batch.forEach((job, i) => (results[i].ok ? job.resolve(results[i].value) : job.reject(results[i].value)));
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
