import type { Storage } from './port';
import { PostgresStore } from './postgres/pg-store';
import { SqliteStore } from './sqlite/sqlite-store';

/** Whether a database setting names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/**
 * The store a database setting names: `postgres://user@host:port/db` is PostgreSQL; anything else
 * is a SQLite file (created if missing), or `:memory:`.
 */
export function openStore(database: string, o: { schema?: string } = {}): Promise<Storage> {
  return isPostgresUrl(database) ? PostgresStore.open({ url: database, schema: o.schema }) : SqliteStore.open(database);
}
