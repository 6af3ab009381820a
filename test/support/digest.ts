import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Store } from '@lifeline/store';

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
export function digest(store: Store): string {
  return digestOf((sql) => store.db.sql.all(sql));
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
