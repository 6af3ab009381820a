import type { PoolClient } from 'pg';
import { DatabaseInUseError } from '../database-in-use';
import type { Repositories, Storage } from '../port';
import { createRepositories } from '../repositories';
import type { Param } from '../sql';
import { Writer, type WriterConnection } from '../writer';
import { PostgresDatabase, type PostgresOptions } from './pg-database';
import { PgRunner } from './pg-runner';

/**
 * An error of the database or of the way to it (a constraint, the disk full, the server gone, the
 * connection cut), as opposed to a job's own refusal: `/health` reports these.
 */
function isPgError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return 'severity' in e || (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /Connection terminated|connection.*(closed|ended)|connection error|not queryable/i.test(e.message);
}

/** A statement of a transaction whose session was cut: the transaction is gone with it. */
class TransactionLost extends Error {}

/**
 * The writer's connection: one session, holding the writer lock, kept from transaction to
 * transaction. A session that failed is given back broken; the transaction it held is lost, so
 * every later statement of that transaction fails too (never running on a fresh session, outside
 * it), and the next BEGIN takes a fresh session, with the lock again.
 */
class WriterClient implements WriterConnection {
  readonly begin = 'BEGIN';
  private client: PoolClient | null = null;

  constructor(private readonly db: PostgresDatabase) {}

  isStorageError(e: unknown): boolean {
    return isPgError(e) || e instanceof TransactionLost || e instanceof DatabaseInUseError;
  }

  async exec(sql: string): Promise<void> {
    // Only BEGIN takes a fresh session; a later statement of a transaction whose session was cut
    // (ROLLBACK included, which the writer tolerates failing) finds none and fails.
    if (sql === this.begin && !this.client) await this.take();
    await this.query(sql, []);
  }

  async query(text: string, values: Param[]) {
    const client = this.client;
    if (!client) throw new TransactionLost('the connection to PostgreSQL was cut in the middle of a transaction');
    try {
      return await client.query(text, values);
    } catch (e) {
      // The connection failed (not the statement), or the server ended the session (FATAL).
      const severity = (e as { severity?: string }).severity;
      if (isPgError(e) && (severity === undefined || severity === 'FATAL')) this.drop(client, e as Error);
      throw e;
    }
  }

  private async take(): Promise<void> {
    const client = await this.db.writerSession();
    client.on('error', (e) => this.drop(client, e));
    this.client = client;
  }

  private drop(client: PoolClient, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.release(e);
  }

  close(): void {
    this.client?.release(true); // the session ends, and the writer lock with it
    this.client = null;
  }
}

/**
 * The store port on PostgreSQL. Reads go to the pool and see what is committed; a write job runs
 * on the writer's client inside its transaction, and its reads see its own writes.
 */
export class PostgresStore implements Storage {
  readonly read: Repositories;
  private readonly tx: Repositories;
  private readonly client: WriterClient;
  private readonly writer: Writer;

  private constructor(readonly db: PostgresDatabase) {
    this.read = createRepositories(new PgRunner({ query: (text, values) => db.pool.query(text, values) }));
    this.client = new WriterClient(db);
    this.tx = createRepositories(new PgRunner(this.client));
    this.writer = new Writer(this.client);
  }

  static async open(o: PostgresOptions): Promise<PostgresStore> {
    return new PostgresStore(await PostgresDatabase.open(o));
  }

  get describe(): string {
    return this.db.describe;
  }

  get lost(): Promise<string> {
    return this.db.lease.lost;
  }

  write<T>(job: (tx: Repositories) => Promise<T> | T, urgent = false): Promise<T> {
    return this.writer.write(() => job(this.tx), urgent);
  }

  get pendingWrites(): number {
    return this.writer.pending;
  }

  get commits(): number {
    return this.writer.batches;
  }

  get commitFailure(): { reason: string } | null {
    return this.writer.failure;
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.client.close();
    await this.db.close();
  }
}
