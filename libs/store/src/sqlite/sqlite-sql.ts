import type BetterSqlite3 from 'better-sqlite3';
import type { Param, SqlRunner } from '../sql';
import { SQLITE_DIALECT } from './sqlite-dialect';

/**
 * SQLite's statements, prepared once and cached by text, answering synchronously: the connection
 * is in this process. The repositories reach it through `SqliteRunner`; tools and tests that want
 * SQLite itself (a digest of the file, a pragma) use it directly.
 */
export class Sql {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly db: BetterSqlite3.Database) {}

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  run(sql: string, ...params: Param[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  all<T>(sql: string, ...params: Param[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  get<T>(sql: string, ...params: Param[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  /** Runs statements as they are (transaction control: BEGIN, SAVEPOINT, COMMIT). */
  exec(sql: string): void {
    this.db.exec(sql);
  }
}

/**
 * The repositories' runner on SQLite: the same statements, answered as settled promises. Their
 * awaits take a microtask, not an event-loop turn, so a write job still runs within one turn.
 */
export class SqliteRunner implements SqlRunner {
  readonly dialect = SQLITE_DIALECT;

  constructor(private readonly sql: Sql) {}

  // async: a statement's error becomes a rejection, as on any other runner.
  async all<T>(sql: string, ...params: Param[]): Promise<T[]> {
    return this.sql.all<T>(sql, ...params);
  }

  async get<T>(sql: string, ...params: Param[]): Promise<T | undefined> {
    return this.sql.get<T>(sql, ...params);
  }

  async run(sql: string, ...params: Param[]): Promise<number> {
    return this.sql.run(sql, ...params);
  }
}
