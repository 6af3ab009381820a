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
/** How often a router that lost its writer lock tries to take it again. */
const RETAKE_MS = 250;

/**
 * PostgreSQL through TypeORM's `pg` driver: TypeORM owns the pool and runs the migrations (under an
 * advisory lock, so routers starting together do not race); the store then queries the same pool.
 * One router writes a database at a time, as on SQLite: it holds a session advisory lock for its
 * life, and the server drops the lock with the session if the router dies.
 */
export class PostgresDatabase {
  /** Why this router may not write now: its lock session was cut and not yet taken again. */
  lockLost: string | null = null;
  private closed = false;
  private lockClient: PoolClient | null;

  private constructor(
    readonly dataSource: DataSource,
    readonly pool: Pool,
    lockClient: PoolClient,
    readonly describe: string,
    /** The sessions' `application_name`: `lifeline`, or `lifeline:<schema>`. */
    readonly applicationName: string,
  ) {
    this.lockClient = lockClient;
    this.watchLock(lockClient);
  }

  /**
   * The lock lives as long as its session. A cut session (a network blip, a server restart) loses
   * it: the router stops writing until it holds the lock again, so two routers never write at once.
   */
  private watchLock(client: PoolClient): void {
    // A cut session says so more than once (the server's notice, then the socket's end): the
    // listener stays, and acts on the first.
    client.on('error', () => {
      if (this.closed || this.lockClient !== client) return;
      this.lockClient = null;
      client.release(true);
      this.lockLost = 'the connection holding the writer lock was cut; taking the lock again';
      this.retakeLock();
    });
  }

  private retakeLock(): void {
    const again = async () => {
      if (this.closed) return;
      let client: PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const got = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_WRITER}) AS ok`)).rows[0].ok;
        if (got) {
          this.lockClient = client;
          this.watchLock(client);
          this.lockLost = null;
          return;
        }
        client.release();
        this.lockLost = `${this.describe} is in use by another Lifeline router`;
      } catch (e) {
        client?.release(e as Error); // a session that died with the others: the pool forgets it
      }
      setTimeout(() => void again(), RETAKE_MS).unref();
    };
    void again();
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
      extra: { types: PG_TYPES, ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}) },
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
    pool.on('connect', (client) => client.on('error', () => undefined));
    let lockClient: PoolClient | null = null;
    try {
      if (o.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${o.schema.replace(/"/g, '""')}"`);
      lockClient = await pool.connect();
      const got = (await lockClient.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_WRITER}) AS ok`)).rows[0].ok;
      if (!got) throw new DatabaseInUseError(`${describe} is in use by another Lifeline router; stop that one first, or give this one its own database`);
      await lockClient.query(`SELECT pg_advisory_lock(${LOCK_MIGRATIONS})`);
      try {
        await dataSource.runMigrations({ transaction: 'all' });
      } finally {
        await lockClient.query(`SELECT pg_advisory_unlock(${LOCK_MIGRATIONS})`);
      }
    } catch (e) {
      lockClient?.release(true);
      await dataSource.destroy();
      throw e;
    }
    return new PostgresDatabase(dataSource, pool, lockClient, describe, applicationName);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lockClient?.release(true); // the session ends, and its lock with it
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
