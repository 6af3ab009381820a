import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { DatabaseInUseError } from '../database-in-use';
import { PG_TYPES } from './pg-runner';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** A schema of its own (tests give each run one); default: the user's search path. */
  schema?: string;
  poolSize?: number;
}

/**
 * Advisory locks Lifeline takes, one pair per schema (advisory locks are database-wide, and
 * several Lifelines may share a database in schemas of their own): the key is a hash of the name.
 */
const lockKey = (what: string) => `hashtext('lifeline:${what}:' || current_schema())`;
const LOCK_MIGRATIONS = lockKey('migrations');
const LOCK_WRITER = lockKey('writer');

/**
 * PostgreSQL through TypeORM's `pg` driver: TypeORM owns the pool and runs the migrations (under an
 * advisory lock, so routers starting together do not race); the store then queries the same pool.
 * One router writes a database at a time, as on SQLite: the writer lock is a session advisory
 * lock held by the writer's own session, so no write can outlive the lock (a cut session loses
 * both at once), and the server drops it if the router dies.
 */
export class PostgresDatabase {
  /** The session that took the lock at open, handed to the writer first. */
  private first: PoolClient | null;

  private constructor(
    readonly dataSource: DataSource,
    readonly pool: Pool,
    writer: PoolClient,
    readonly describe: string,
    /** The sessions' `application_name`: `lifeline`, or `lifeline:<schema>`. */
    readonly applicationName: string,
  ) {
    this.first = writer;
  }

  /**
   * A session for the writer, holding the writer lock: the one taken at open, then (after a cut)
   * a fresh one that takes the lock again, or a refusal if another router holds it now.
   */
  async writerSession(): Promise<PoolClient> {
    const first = this.first;
    this.first = null;
    return first ?? lockedSession(this.pool, this.describe);
  }

  static async open(o: PostgresOptions): Promise<PostgresDatabase> {
    const target = new URL(o.url);
    const describe = `postgres:${target.host}${target.pathname}${o.schema ? `#${o.schema}` : ''}`;
    // The application name tells operators (pg_stat_activity) which router and schema a session is.
    const applicationName = o.schema ? `lifeline:${o.schema}` : 'lifeline';
    const dataSource = new DataSource({
      type: 'postgres',
      url: o.url,
      schema: o.schema,
      poolSize: o.poolSize ?? 10,
      applicationName,
      extra: {
        types: PG_TYPES,
        // A half-open socket (a cut cable, a NAT's idle timeout) is found by keep-alives, not never.
        keepAlive: true,
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
    let writer: PoolClient | null = null;
    try {
      if (o.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${o.schema.replace(/"/g, '""')}"`);
      writer = await lockedSession(pool, describe);
      await writer.query(`SELECT pg_advisory_lock(${LOCK_MIGRATIONS})`);
      try {
        await dataSource.runMigrations({ transaction: 'all' });
      } finally {
        await writer.query(`SELECT pg_advisory_unlock(${LOCK_MIGRATIONS})`);
      }
    } catch (e) {
      writer?.release(true);
      await dataSource.destroy();
      throw e;
    }
    return new PostgresDatabase(dataSource, pool, writer, describe, applicationName);
  }

  async close(): Promise<void> {
    this.first?.release(true);
    this.first = null;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** A session of the pool holding the writer lock, or DatabaseInUseError if another router has it. */
async function lockedSession(pool: Pool, describe: string): Promise<PoolClient> {
  const client = await pool.connect();
  let got: boolean;
  try {
    got = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_WRITER}) AS ok`)).rows[0].ok;
  } catch (e) {
    client.release(e as Error);
    throw e;
  }
  if (got) return client;
  client.release(true);
  throw new DatabaseInUseError(`${describe} is in use by another Lifeline router; stop that one first, or give this one its own database`);
}
