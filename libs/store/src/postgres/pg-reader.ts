import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { NotTheWriterError } from '../database-in-use';
import type { Repositories, Storage } from '../port';
import { createRepositories } from '../repositories';
import { PostgresDatabase, type PostgresOptions } from './pg-database';
import { PostgresGrantedLanes } from './lane-holders';
import { PgRunner } from './pg-runner';

const NEVER = new Promise<string>(() => undefined);

/**
 * The store port for a follower of a cluster: reads of what is committed, from the pool; no
 * writer, no lease, no migrations. A write is refused with `NotTheWriterError`: the node that
 * holds the writer lease does every write, and its rows are what this node reads.
 */
export class PostgresReader implements Storage {
  readonly read: Repositories;
  readonly pendingWrites = 0;
  readonly commits = 0;
  readonly commitFailure = null;
  readonly lost = NEVER;

  /** Write jobs under the active node's grants of lanes: this node carries them out for it. */
  readonly granted: PostgresGrantedLanes;

  private constructor(
    private readonly dataSource: DataSource,
    pool: Pool,
    readonly describe: string,
    leaseMs: number,
  ) {
    this.read = createRepositories(new PgRunner({ query: (text, values) => pool.query(text, values) }));
    this.granted = new PostgresGrantedLanes(pool, leaseMs);
  }

  /**
   * Opens the pool and waits, asking every `everyMs`, until the writer has made the tables (a
   * follower may start before any node ever wrote the database); `stopped` gives up.
   */
  static async open(o: PostgresOptions, everyMs = 500, stopped: () => boolean = () => false): Promise<PostgresReader> {
    const { dataSource, pool, describe } = await PostgresDatabase.connect(o);
    try {
      for (;;) {
        const r = await pool.query<{ ok: boolean }>(`SELECT to_regclass('events') IS NOT NULL AND to_regclass('writer_lease') IS NOT NULL AS ok`);
        if (r.rows[0]?.ok) break;
        if (stopped()) throw new Error('stopped while waiting for the writer to create the tables');
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    } catch (e) {
      await dataSource.destroy();
      throw e;
    }
    return new PostgresReader(dataSource, pool, describe, (o.lease?.leaseS ?? 10) * 1000);
  }

  write<T>(): Promise<T> {
    return Promise.reject(new NotTheWriterError('this node is a follower: the active node writes'));
  }

  readonly lanes = 1;

  writeIn<T>(): Promise<T> {
    return this.write<T>();
  }

  async close(): Promise<void> {
    await this.granted.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
