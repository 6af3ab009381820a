import type { QueryRunner, Table } from 'typeorm';
import { toPg } from '../postgres/pg-runner';

/**
 * Text columns compared and ordered byte by byte, as SQLite's BINARY does: ids and area paths are
 * ranges (`<order>:` to `<order>;`, `/a/b/` to `/a/b0`) that a language's collation would
 * reorder (en_US ignores punctuation). On PostgreSQL every text column gets the "C" collation.
 */
export function byteOrdered(q: QueryRunner, table: Table): Table {
  if (isPostgres(q)) for (const c of table.columns) if (c.type === 'varchar') c.collation = 'C';
  return table;
}

export function isPostgres(q: QueryRunner): boolean {
  return q.connection.driver.options.type === 'postgres';
}

/** A raw migration query with `?` placeholders, in this database's style (as the repositories'). */
export function inDialect(q: QueryRunner, sql: string): string {
  return isPostgres(q) ? toPg(sql) : sql;
}
