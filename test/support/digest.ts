import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteStore, type PostgresStore, type Storage } from '@lifeline/store';

type All = <T>(sql: string) => T[];

function digestOf(all: All): string {
  const h = createHash('sha256');
  for (const { name } of all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    h.update(`\u0000${name}\u0000`);
    for (const row of all<Record<string, unknown>>(`SELECT * FROM "${name}"`).map((r) => JSON.stringify(r)).sort()) h.update(row);
  }
  return h.digest('hex');
}

/** A hash of every row of every table: equal digests mean the database did not change. */
export function digest(store: SqliteStore): string {
  return digestOf((sql) => store.db.sql.all(sql));
}

/** The same for either store, for the tests that run on both (the medium tier). */
export async function storeDigest(store: Storage): Promise<string> {
  if (store instanceof SqliteStore) return digest(store);
  const { pool } = (store as PostgresStore).db;
  const h = createHash('sha256');
  const tables = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  for (const { name } of tables.rows) {
    h.update(`\u0000${name}\u0000`);
    for (const row of (await pool.query(`SELECT * FROM "${name}"`)).rows.map((r) => JSON.stringify(r)).sort()) h.update(row);
  }
  return h.digest('hex');
}

/** The same over a database file another process (a router under test) is writing: read-only. */
export function digestFile(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return digestOf((sql) => db.prepare(sql).all() as never);
  } finally {
    db.close();
  }
}

/** Rows of one table of a database file another process is writing. */
export function rowsOf<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
