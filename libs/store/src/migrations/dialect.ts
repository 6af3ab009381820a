import type { QueryRunner, Table } from 'typeorm';

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

/** The n-th placeholder of a raw migration query in this database's style. */
export function param(q: QueryRunner, n: number): string {
  return isPostgres(q) ? `$${n}` : '?';
}
