import type { Sql } from './sql';

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * The single writer: every write is a job; jobs queued in the same turn of the event loop commit
 * together in one transaction, each in its own savepoint so one bad job cannot sink the batch.
 * A job's promise settles only after the commit: durable before acknowledged.
 *
 * Jobs may be asynchronous (the store port is): the transaction is opened and closed by hand and
 * each job awaited in turn. Their awaits are on this connection's own statements, which answer at
 * once, so a batch still runs within one turn of the event loop, and no other write interleaves
 * (there is one writer).
 */
export class Writer {
  private queue: Job[] = [];
  private urgent: Job[] = [];
  private scheduled = false;
  private committing = false;
  private closed = false;
  batches = 0;
  /** Null while commits succeed; else why the last one failed (for `/health`). */
  failure: { reason: string } | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sql: Sql,
    /** Jobs per transaction; engine jobs are batches themselves, so a few make a big commit. */
    private readonly maxBatch = 2,
  ) {}

  /** `urgent` jobs commit in a transaction of their own ahead of the rest: flash traffic. */
  write<T>(fn: () => T | Promise<T>, urgent = false): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.urgent : this.queue).push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length + this.urgent.length + (this.committing ? 1 : 0);
  }

  private schedule(): void {
    if (this.scheduled || this.committing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /**
   * Commits one transaction of queued jobs (urgent ones first), then yields to the event loop
   * before the next, so urgent work that arrives meanwhile does not wait behind a long backlog.
   */
  private async flush(): Promise<void> {
    this.scheduled = false;
    this.committing = true;
    try {
      await this.commitOne();
    } finally {
      this.committing = false;
    }
    if (this.urgent.length || this.queue.length) this.schedule();
    else this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** Commits everything queued: shutdown finishes writes in flight with it. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.committing || this.scheduled) await new Promise<void>((r) => this.idleWaiters.push(r));
      else if (this.urgent.length || this.queue.length) {
        // Marked committing, so a write arriving meanwhile queues instead of opening a transaction.
        this.committing = true;
        try {
          await this.commitOne();
        } finally {
          this.committing = false;
        }
      } else return;
    }
  }

  private async commitOne(): Promise<void> {
    // A job that awaited something else than this connection let another commit start inside it.
    if (this.sql.inTransaction) throw new Error('writer: a transaction is already open (a job awaited outside the store)');
    const batch = this.urgent.length ? this.urgent.splice(0, this.maxBatch) : this.queue.splice(0, this.maxBatch);
    if (!batch.length) return;
    const results: { ok: boolean; value: unknown }[] = [];
    let storageError: unknown = null;
    try {
      this.sql.exec('BEGIN IMMEDIATE');
      for (const job of batch) {
        this.sql.exec('SAVEPOINT job');
        try {
          results.push({ ok: true, value: await job.fn() });
          this.sql.exec('RELEASE job');
        } catch (e) {
          this.sql.exec('ROLLBACK TO job');
          this.sql.exec('RELEASE job');
          results.push({ ok: false, value: e });
          if (isStorageError(e)) storageError = e;
        }
      }
      this.sql.exec('COMMIT');
    } catch (e) {
      if (this.sql.inTransaction) this.sql.exec('ROLLBACK');
      this.failure = { reason: (e as Error)?.message ?? String(e) };
      for (const job of batch) job.reject(e);
      return;
    }
    this.batches++;
    this.failure = storageError ? { reason: (storageError as Error)?.message ?? String(storageError) } : null;
    batch.forEach((job, i) => (results[i].ok ? job.resolve(results[i].value) : job.reject(results[i].value)));
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }
}

/** An error of the database itself (a constraint broken, the disk full), not a refusal of a job's own. */
function isStorageError(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_');
}
