import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { lockDatabaseFile } from './file-lock';
import { Sql } from './sqlite-sql';

export interface SqliteOptions {
  /** File path, or `:memory:` for tests. */
  path: string;
}

/**
 * TypeORM owns the connection and the migrations (never `synchronize`); the hot path then uses the
 * same better-sqlite3 connection through `Sql`, since one connection means one writer anyway.
 */
export class SqliteDatabase {
  private constructor(
    readonly dataSource: DataSource,
    readonly sql: Sql,
    private readonly lock: { release(): void } | null,
  ) {}

  /** Opens the database, refusing (`DatabaseInUseError`) when another process has it open. */
  static async open(options: SqliteOptions): Promise<SqliteDatabase> {
    let lock: { release(): void } | null = null;
    if (options.path !== ':memory:') {
      mkdirSync(dirname(options.path), { recursive: true });
      lock = lockDatabaseFile(options.path);
    }
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: options.path,
      enableWAL: options.path !== ':memory:',
      prepareDatabase: (db: BetterSqlite3.Database) => {
        // FULL: a commit is on disk before a console hears of it, even across power loss.
        db.pragma('synchronous = FULL');
        db.pragma('busy_timeout = 5000');
        // Takes effect on a new file only. A commit writes each dirty page as a WAL frame, two
        // write() calls apiece; with 32 KB pages a batch of deliveries dirties far fewer frames.
        // Bench, deliveries per second: 4 KB ~8,000, 16 KB ~9,800, 32 KB ~10,500, 64 KB no better.
        db.pragma('page_size = 32768');
        // A million-person directory does not fit SQLite's 2 MB default page cache.
        db.pragma('cache_size = -131072');
      },
      migrations: MIGRATIONS,
      migrationsRun: true,
      synchronize: false,
      logging: false,
    });
    try {
      await dataSource.initialize();
    } catch (e) {
      lock?.release();
      throw e;
    }
    const raw = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
    return new SqliteDatabase(dataSource, new Sql(raw), lock);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.lock?.release();
  }

}
