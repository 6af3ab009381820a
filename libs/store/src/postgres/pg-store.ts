import type { PoolClient } from 'pg';
import { DatabaseInUseError } from '../database-in-use';
import type { LaneGrants, Repositories, Storage } from '../port';
import { createRepositories } from '../repositories';
import type { Param } from '../sql';
import { Writer, type WriterConnection } from '../writer';
import { PostgresDatabase, type PostgresOptions } from './pg-database';
import { PostgresLaneGrants } from './lane-holders';
import { PgRunner, type Queryable } from './pg-runner';

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
 * A writer's connection: one session, kept from transaction to transaction. A session that failed
 * is given back broken; the transaction it held is lost, so every later statement of that
 * transaction fails too (never running on a fresh session, outside it), and the next BEGIN takes
 * a fresh session (`session`: the main writer's holds the writer lock again). `afterBegin` runs
 * first in every transaction: a lane's fence.
 */
class WriterClient implements WriterConnection {
  readonly begin = 'BEGIN';
  private client: PoolClient | null = null;

  constructor(
    private readonly session: () => Promise<PoolClient>,
    private readonly afterBegin: ((q: Queryable) => Promise<void>) | null = null,
  ) {}

  isStorageError(e: unknown): boolean {
    return isPgError(e) || e instanceof TransactionLost || e instanceof DatabaseInUseError;
  }

  async exec(sql: string): Promise<void> {
    // Only BEGIN takes a fresh session; a later statement of a transaction whose session was cut
    // (ROLLBACK included, which the writer tolerates failing) finds none and fails.
    if (sql === this.begin && !this.client) await this.take();
    await this.query(sql, []);
    if (sql === this.begin && this.afterBegin) await this.fenced(this.afterBegin);
  }

  /**
   * The transaction just begun, if `check` passes; otherwise ended here (the writer counts a
   * transaction open only once BEGIN returned), so that the session holds no lock and is not
   * left aborted for the next job.
   */
  private async fenced(check: (q: Queryable) => Promise<void>): Promise<void> {
    try {
      await check(this);
    } catch (e) {
      const client = this.client;
      if (client) await client.query('ROLLBACK').catch((r: Error) => this.drop(client, r));
      throw e;
    }
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
    const client = await this.session();
    client.on('error', (e) => this.drop(client, e));
    this.client = client;
  }

  private drop(client: PoolClient, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.release(e);
  }

  close(): void {
    this.client?.release(true); // the session ends (the main writer's, and the writer lock with it)
    this.client = null;
  }
}

/** A writer and the repositories of its transactions. */
interface WriterOn {
  client: WriterClient;
  writer: Writer;
  tx: Repositories;
}

function writerOn(client: WriterClient, maxBatch?: number): WriterOn {
  return { client, writer: new Writer(client, maxBatch), tx: createRepositories(new PgRunner(client)) };
}

/**
 * The store port on PostgreSQL. Reads go to the pool and see what is committed; a write job runs
 * on a writer's client inside its transaction, and its reads see its own writes. Besides the main
 * writer (holding the writer lock), `lanes` above one give the delivery work writers of their own,
 * each on its own session, so that their statements run at once; each lane's transaction starts
 * by checking, under the lanes' lock held shared, that this node still holds the writer lease
 * (`WriterLease.fence`): a node that another took over from writes nothing more, and the one
 * taking over waits for the transactions in flight.
 */
export class PostgresStore implements Storage {
  readonly read: Repositories;
  private readonly main: WriterOn;
  /** The engine's writers: the main one alone, or one per lane. */
  private readonly laneWriters: WriterOn[];
  /** Every writer, the lanes first: closing the main writer gives up the writer lock, and the lanes write under it. */
  private readonly writers: WriterOn[];

  readonly grants: LaneGrants;

  private constructor(
    readonly db: PostgresDatabase,
    lanes: number,
  ) {
    this.grants = new PostgresLaneGrants(db.pool, () => db.lease.epoch, lanes, db.lease.leaseMs * 2);
    this.read = createRepositories(new PgRunner({ query: (text, values) => db.pool.query(text, values) }));
    // With lanes, one job per transaction, the main writer's too: a job takes the event seq row at
    // its end, and a second job in the same transaction would hold it, and every lane, through all
    // its statements; and the main writer's jobs (a cancel's order row, an accept's seq) batched
    // together could take in one order what a lane takes in the other, and deadlock with it.
    const oneJob = lanes > 1 ? 1 : undefined;
    this.main = writerOn(new WriterClient(() => db.writerSession()), oneJob);
    this.laneWriters =
      lanes <= 1 ? [this.main] : Array.from({ length: lanes }, (_, lane) => writerOn(new WriterClient(() => db.laneSession(), (q) => db.lease.fence(q, lane)), oneJob));
    this.writers = lanes <= 1 ? [this.main] : [...this.laneWriters, this.main];
  }

  static async open(o: PostgresOptions): Promise<PostgresStore> {
    return new PostgresStore(await PostgresDatabase.open(o), o.lanes ?? 1);
  }

  get describe(): string {
    return this.db.describe;
  }

  get lost(): Promise<string> {
    return this.db.lease.lost;
  }

  write<T>(job: (tx: Repositories) => Promise<T> | T, urgent = false): Promise<T> {
    const { writer, tx } = this.main;
    return writer.write(() => job(tx), urgent);
  }

  get lanes(): number {
    return this.laneWriters.length;
  }

  writeIn<T>(lane: number, job: (tx: Repositories) => Promise<T> | T, urgent = false): Promise<T> {
    const { writer, tx } = this.laneWriters[lane];
    return writer.write(() => job(tx), urgent);
  }

  get pendingWrites(): number {
    return this.writers.reduce((n, w) => n + w.writer.pending, 0);
  }

  get commits(): number {
    return this.writers.reduce((n, w) => n + w.writer.batches, 0);
  }

  get commitFailure(): { reason: string } | null {
    return this.writers.find((w) => w.writer.failure)?.writer.failure ?? null;
  }

  async close(): Promise<void> {
    for (const w of this.writers) {
      await w.writer.close();
      w.client.close();
    }
    await this.db.close();
  }
}
