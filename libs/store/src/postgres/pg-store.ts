import type { Pool, PoolClient } from 'pg';
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
  return 'severity' in e || (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /Connection terminated|connection.*(closed|ended)/i.test(e.message);
}

class WriterLockLost extends Error {}

/**
 * The writer's connection: one client of the pool, taken at the first BEGIN and kept; a client
 * whose connection failed is given back broken and the next transaction takes a fresh one.
 */
class WriterClient implements WriterConnection {
  readonly begin = 'BEGIN';
  private client: PoolClient | null = null;

  constructor(
    private readonly pool: Pool,
    /** Why the router may not write now (it lost its writer lock), or null. */
    private readonly refusal: () => string | null,
  ) {}

  isStorageError(e: unknown): boolean {
    return isPgError(e) || e instanceof WriterLockLost;
  }

  async exec(sql: string): Promise<void> {
    const refused = sql === this.begin ? this.refusal() : null;
    if (refused) throw new WriterLockLost(refused);
    await this.query(sql, []);
  }

  async query(text: string, values: Param[]) {
    const client = this.client ?? (await this.take());
    try {
      return await client.query(text, values);
    } catch (e) {
      if (isPgError(e) && !('severity' in (e as object))) this.drop(client, e as Error); // the connection, not the statement
      throw e;
    }
  }

  private async take(): Promise<PoolClient> {
    const client = await this.pool.connect();
    client.on('error', (e) => this.drop(client, e));
    this.client = client;
    return client;
  }

  private drop(client: PoolClient, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.release(e);
  }

  close(): void {
    this.client?.release();
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
    this.client = new WriterClient(db.pool, () => db.lockLost);
    this.tx = createRepositories(new PgRunner(this.client));
    this.writer = new Writer(this.client);
  }

  static async open(o: PostgresOptions): Promise<PostgresStore> {
    return new PostgresStore(await PostgresDatabase.open(o));
  }

  get describe(): string {
    return this.db.describe;
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
