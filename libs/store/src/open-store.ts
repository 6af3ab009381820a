import { DatabaseInUseError, DatabaseOpenError } from './database-in-use';
import type { Storage } from './port';
import { PostgresStore } from './postgres/pg-store';
import type { LeaseOptions } from './postgres/writer-lease';
import { SqliteStore } from './sqlite/sqlite-store';

/** Whether a database setting names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/**
 * The store a database setting names: `postgres://user@host:port/db` is PostgreSQL; anything else
 * is a SQLite file (created if missing), or `:memory:`. A standby (PostgreSQL only) waits here
 * until the node that writes is gone. `lanes`: writers of the delivery work on PostgreSQL (SQLite has one).
 */
export async function openStore(database: string, o: { schema?: string; lease?: Partial<LeaseOptions>; lanes?: number } = {}): Promise<Storage> {
  if (o.lease?.standby && !isPostgresUrl(database)) throw new DatabaseOpenError(`a standby needs a PostgreSQL database, not ${database}: a SQLite file has one router`);
  try {
    return await (isPostgresUrl(database) ? PostgresStore.open({ url: database, schema: o.schema, lease: o.lease, lanes: o.lanes }) : SqliteStore.open(database));
  } catch (e) {
    if (e instanceof DatabaseInUseError) throw e;
    throw new DatabaseOpenError(`cannot open the database ${withoutPassword(database)}: ${(e as Error).message}`);
  }
}

/** A URL fit for a log: the password left out. */
export function withoutPassword(database: string): string {
  return database.replace(/^(\w+:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}
