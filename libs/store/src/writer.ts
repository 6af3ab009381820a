/**
 * The connection a writer commits on: transaction control by statement, and which errors are the
 * database's own (a constraint, the disk full, the connection gone) rather than a job's refusal.
 */
export interface WriterConnection {
  /** Runs a transaction-control statement: BEGIN, SAVEPOINT job, COMMIT, ROLLBACK ... */
  exec(sql: string): Promise<void> | void;
  /** How a write transaction starts here (SQLite: `BEGIN IMMEDIATE`, taking the write lock at once). */
  readonly begin: string;
  isStorageError(e: unknown): boolean;
}

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
 * Jobs are asynchronous (the store port is): the transaction is opened and closed by statements
 * and each job awaited in turn. A job awaits only statements on this writer's connection, so no
 * other write interleaves (there is one writer per connection).
 */
export class Writer {
  private queue: Job[] = [];
  private urgent: Job[] = [];
  private scheduled = false;
  private committing = false;
  private closed = false;
  private open = false;
  batches = 0;
  /** Null while commits succeed; else why the last one failed (for `/health`). */
  failure: { reason: string } | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly conn: WriterConnection,
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
    if (this.open) throw new Error('writer: a transaction is already open (a job awaited outside the store)');
    const batch = this.urgent.length ? this.urgent.splice(0, this.maxBatch) : this.queue.splice(0, this.maxBatch);
    if (!batch.length) return;
    const results: { ok: boolean; value: unknown }[] = [];
    let storageError: unknown = null;
    try {
      await this.conn.exec(this.conn.begin);
      this.open = true;
      for (const job of batch) {
        await this.conn.exec('SAVEPOINT job');
        try {
          const value = await job.fn();
          // Released before it counts as done: a release that fails (PostgreSQL's aborted
          // transaction) makes the job a failure, never both a success and a failure.
          await this.conn.exec('RELEASE SAVEPOINT job');
          results.push({ ok: true, value });
        } catch (e) {
          await this.conn.exec('ROLLBACK TO SAVEPOINT job');
          await this.conn.exec('RELEASE SAVEPOINT job');
          results.push({ ok: false, value: e });
          if (this.conn.isStorageError(e)) storageError = e;
        }
      }
      await this.conn.exec('COMMIT');
      this.open = false;
    } catch (e) {
      // The transaction may be gone already (a failed COMMIT ends it on PostgreSQL): no matter.
      if (this.open)
        try {
          await this.conn.exec('ROLLBACK');
        } catch {
          // already rolled back
        }
      this.open = false;
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
