import type BetterSqlite3 from 'better-sqlite3';

export type Param = string | number | bigint | null;

/**
 * The one SQL surface of the store: prepared statements, cached by text. Everything above it is
 * portable SQL (`?` placeholders, no SQLite-only functions); it is the SQLite implementation's
 * own, behind the asynchronous store port (port.ts).
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

  /**
   * A multi-row INSERT: `head` names the table and columns, each row is one tuple of values, `tail`
   * may add an ON CONFLICT clause.
   */
  insertMany(head: string, rows: readonly Param[][], tail = ''): void {
    if (!rows.length) return;
    const width = rows[0].length;
    for (const part of chunks(rows, ROWS_PER_STATEMENT)) this.run(`${head} VALUES ${tuples(part.length, width)} ${tail}`, ...part.flat());
  }

  /** Runs statements as they are (transaction control: BEGIN, SAVEPOINT, COMMIT). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Runs `fn` in a transaction; nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}

/** `area_path` values below `path`, as an index-friendly range instead of LIKE. */
export function subtreeRange(path: string): [string, string] {
  // Paths end in '/', and '0' is the character after '/', so [path, path-with-'0') is the subtree.
  return [path, `${path.slice(0, -1)}0`];
}

/**
 * `column` within any of the subtrees at `paths` (null: anywhere), as SQL and its parameters: a
 * scoped token's list is filtered before its LIMIT, so a page is full and its cursor its own.
 */
export function withinSubtrees(column: string, paths: readonly string[] | null): { sql: string; params: string[] } {
  if (paths === null) return { sql: '', params: [] };
  if (!paths.length) return { sql: ' AND 1 = 0', params: [] };
  return { sql: ` AND (${paths.map(() => `(${column} >= ? AND ${column} < ?)`).join(' OR ')})`, params: paths.flatMap(subtreeRange) };
}

/** Splits ids into chunks that stay under the bound-parameter limit. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows per multi-row statement: one statement per row cost more than the row itself. */
export const ROWS_PER_STATEMENT = 100;
const tupleCache = new Map<string, string>();

/** `(?, ?), (?, ?)` for `rows` tuples of `width` values. */
export function tuples(rows: number, width: number): string {
  const key = `${rows}x${width}`;
  let t = tupleCache.get(key);
  if (!t) tupleCache.set(key, (t = new Array(rows).fill(`(${placeholders(width)})`).join(', ')));
  return t;
}

export function placeholders(n: number): string {
  return new Array(n).fill('?').join(',');
}
