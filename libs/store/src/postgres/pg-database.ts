import { hostname } from 'node:os';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { PG_TYPES } from './pg-runner';
import { lockKey, WriterLease, type LeaseOptions } from './writer-lease';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** A schema of its own (tests give each run one); default: the user's search path. */
  schema?: string;
  poolSize?: number;
  /** The writer lease: this node's name, the lease, whether to wait as a standby. */
  lease?: Partial<LeaseOptions>;
  /** Writers of the delivery work, each on a session of its own (`Storage.lanes`); default 1. */
  lanes?: number;
}

const LOCK_MIGRATIONS = lockKey('migrations');

/**
 * PostgreSQL through TypeORM's `pg` driver: TypeORM owns the pool and runs the migrations (under an
 * advisory lock, so routers starting together do not race); the store then queries the same pool.
 * One router writes a database at a time, as on SQLite: the writer lease (writer-lease.ts) is a
 * session advisory lock held by the writer's own session, so no write can outlive the lock (a
 * cut session loses both at once), and the server drops it if the router dies; a standby waits
 * for it.
 */
export class PostgresDatabase {
  /** The session that took the lock at open, handed to the writer first. */
  private first: PoolClient | null;

  private constructor(
    readonly dataSource: DataSource,
    readonly pool: Pool,
    writer: PoolClient,
    readonly lease: WriterLease,
    readonly describe: string,
    /** The sessions' `application_name`: `lifeline`, or `lifeline:<schema>`. */
    readonly applicationName: string,
  ) {
    this.first = writer;
  }

  /**
   * A session for the writer, holding the writer lock: the one taken at open, then (after a cut)
   * a fresh one that takes the lock again, or a refusal if another router has written since.
   */
  async writerSession(): Promise<PoolClient> {
    const first = this.first;
    this.first = null;
    return first ?? this.lease.retake();
  }

  /**
   * A session for a lane of the delivery work. The server ends its transactions left idle for a
   * lease (a node hung mid-transaction must not keep a node taking over waiting on its lanes'
   * lock: `WriterLease.fence`), and its statements after a lease but at least 10 s (a statement
   * waits its turn for the event seq row: a short lease must not cancel that).
   */
  laneSession(): Promise<PoolClient> {
    return openLaneSession(this.pool, this.lease.leaseMs);
  }

  /**
   * TypeORM's data source and its pool, not yet touching any table: the writer (`open`) and a
   * follower's reads (`PostgresReader`) both start here.
   */
  static async connect(o: PostgresOptions): Promise<{ dataSource: DataSource; pool: Pool; describe: string; applicationName: string }> {
    const target = new URL(o.url);
    const describe = `postgres:${target.host}${target.pathname}${o.schema ? `#${o.schema}` : ''}`;
    // The application name tells operators (pg_stat_activity) which router and schema a session is.
    const applicationName = o.schema ? `lifeline:${o.schema}` : 'lifeline';
    const dataSource = new DataSource({
      type: 'postgres',
      url: o.url,
      schema: o.schema,
      // Ten for reads, the main writer and the heartbeat, and one more for each lane of several.
      poolSize: o.poolSize ?? 10 + ((o.lanes ?? 1) > 1 ? o.lanes! : 0),
      applicationName,
      extra: {
        types: PG_TYPES,
        // A half-open socket (a cut cable, a NAT's idle timeout) is found by keep-alives, not never.
        keepAlive: true,
        // A server that accepts no connection (a partition, a full backlog) is an error in time, not a hang.
        connectionTimeoutMillis: 10_000,
        ...(o.schema ? { options: `-c search_path="${o.schema.replace(/"/g, '""')}"` } : {}),
      },
      migrations: MIGRATIONS,
      migrationsRun: false,
      synchronize: false,
      logging: false,
    });
    await dataSource.initialize();
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    // A cut session reports its end more than once (the server's notice, then the socket's close),
    // and a client lent out by `pool.query` listens only once: without a listener of its own the
    // second report would end the process. What failed is told by the query or the pool anyway.
    const quiet = () => undefined;
    pool.on('acquire', (client) => {
      if (!client.listeners('error').includes(quiet)) client.on('error', quiet);
    });
    return { dataSource, pool, describe, applicationName };
  }

  static async open(o: PostgresOptions): Promise<PostgresDatabase> {
    const { dataSource, pool, describe, applicationName } = await PostgresDatabase.connect(o);
    const lease: LeaseOptions = { ...o.lease, node: o.lease?.node ?? `${hostname()}:${process.pid}`, leaseS: o.lease?.leaseS ?? 10, standby: o.lease?.standby ?? false };
    let writer: PoolClient | null = null;
    try {
      if (o.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${o.schema.replace(/"/g, '""')}"`);
      writer = await WriterLease.lock(pool, describe, lease);
      await writer.query(`SELECT pg_advisory_lock(${LOCK_MIGRATIONS})`);
      try {
        await dataSource.runMigrations({ transaction: 'all' });
      } finally {
        await writer.query(`SELECT pg_advisory_unlock(${LOCK_MIGRATIONS})`);
      }
      const held = await WriterLease.claim(pool, writer, describe, lease);
      return new PostgresDatabase(dataSource, pool, writer, held, describe, applicationName);
    } catch (e) {
      writer?.release(true);
      await dataSource.destroy();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.lease.close();
    this.first?.release(true);
    this.first = null;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * A session for lane writes, of the active node or of a node carrying a lane out for it: the
 * server ends its transactions left idle for a lease, and its statements after a lease but at least
 * 10 s (a statement may wait its turn for the event seq row).
 */
export async function openLaneSession(pool: Pool, leaseMs: number): Promise<PoolClient> {
  const client = await pool.connect();
  try {
    const idleMs = Math.round(leaseMs);
    await client.query(`SET statement_timeout = ${Math.max(idleMs, 10_000)}; SET idle_in_transaction_session_timeout = ${idleMs}`);
  } catch (e) {
    client.release(e as Error);
    throw e;
  }
  return client;
}
