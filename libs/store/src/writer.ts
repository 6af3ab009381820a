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
  private urgent: Job[] = [];
  private scheduled = false;
  private closed = false;
  batches = 0;
  /** Null while commits succeed; else why the last one failed (for `/health`). */
  failure: { reason: string } | null = null;

  constructor(
    private readonly sql: Sql,
    /** Called after any rollback, so counters kept beside the data (event seq) can resync. */
    private readonly onRollback: () => void = () => {},
    /** Jobs per transaction; engine jobs are batches themselves, so a few make a big commit. */
    private readonly maxBatch = 2,
  ) {}

  /** `urgent` jobs commit in a transaction of their own ahead of the rest: flash traffic. */
  write<T>(fn: (sql: Sql) => T, urgent = false): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.urgent : this.queue).push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  get pending(): number {
    return this.queue.length + this.urgent.length;
  }

  /**
   * Commits one transaction of queued jobs (urgent ones first), then yields to the event loop
   * before the next, so urgent work that arrives meanwhile does not wait behind a long backlog.
   */
  flush(): void {
    this.scheduled = false;
    this.commitOne();
    if (this.urgent.length || this.queue.length) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits everything queued, now: shutdown finishes writes in flight with it. */
  drain(): void {
    while (this.urgent.length || this.queue.length) this.commitOne();
  }

  private commitOne(): void {
    const batch = this.urgent.length ? this.urgent.splice(0, this.maxBatch) : this.queue.splice(0, this.maxBatch);
    if (!batch.length) return;
    const results: { ok: boolean; value: unknown }[] = [];
    let storageError: unknown = null;
    try {
      this.sql.transaction(() => {
        for (const job of batch) {
          try {
            results.push({ ok: true, value: this.sql.transaction(() => job.fn(this.sql)) });
          } catch (e) {
            results.push({ ok: false, value: e });
            if (isStorageError(e)) storageError = e;
            this.onRollback();
          }
        }
      });
    } catch (e) {
      this.onRollback();
      this.failed(e);
      for (const job of batch) job.reject(e);
      return;
    }
    this.batches++;
    if (storageError) this.failed(storageError);
    else this.failure = null;
    batch.forEach((job, i) => (results[i].ok ? job.resolve(results[i].value) : job.reject(results[i].value)));
  }

  private failed(e: unknown): void {
    this.failure = { reason: (e as Error)?.message ?? String(e) };
  }

  close(): void {
    this.drain();
    this.closed = true;
  }
}

/** An error of the database itself (a constraint broken, the disk full), not a refusal of a job's own. */
function isStorageError(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_');
}
