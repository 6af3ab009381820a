/**
 * The SQL surface the repositories are written against: portable SQL with `?` placeholders, run
 * by a `SqlRunner` of one database (SQLite in process, PostgreSQL over the network). What the two
 * databases say differently is a `SqlDialect` of each (sqlite/sqlite-dialect.ts,
 * postgres/pg-dialect.ts): lists and multi-row statements, the event seq, the writer's two bulk
 * updates. The repositories hold portable SQL only; the helpers below hand the rest to the dialect.
 */
export type Scalar = string | number | null;
/** A statement's parameter; an array only on PostgreSQL (`unnest`), which binds it as one value. */
export type Param = Scalar | readonly Scalar[];

export interface SqlRunner {
  readonly dialect: SqlDialect;
  /** Rows; bigint and numeric columns arrive as numbers on every dialect. */
  all<T>(sql: string, ...params: Param[]): Promise<T[]>;
  get<T>(sql: string, ...params: Param[]): Promise<T | undefined>;
  /** Rows changed. */
  run(sql: string, ...params: Param[]): Promise<number>;
}

/** SQL types of columns where a dialect needs them: casts, arrays on PostgreSQL. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'float8';

/** A condition and its parameters, to put in a WHERE clause. */
export interface Condition {
  sql: string;
  params: Param[];
}

/** An attempt's new status: id, status, at, detail. */
export type AttemptChange = readonly [id: string, status: string, at: number, detail: string | null];
/** A delivery's stored step: id, status, machine (JSON), channel, attempt, 1 when final. */
export type DeliveryChange = readonly [id: string, status: string, machine: string, channel: string | null, attempt: number, final: 0 | 1];

/** Everything the two databases say differently; nothing else in the repositories does. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Values per `isIn` chunk: under SQLite's parameter limit, or a thousand in one array. */
  readonly chunk: number;
  /** A multi-row INSERT: `head` names the table and columns, `types` their SQL types, `tail` may add ON CONFLICT. */
  insertMany(db: SqlRunner, head: string, types: readonly ColumnType[], rows: readonly Param[][], tail: string): Promise<void>;
  /** `column IN (values)` for one chunk of values (`chunk` long). */
  isIn(column: string, values: readonly Scalar[], type: ColumnType): Condition;
  /** `column` among `values`, however many, as one parameter. */
  among(column: string, values: readonly string[]): Condition;
  /** A parameter the database cannot type from its place (a SELECT list, a CASE), of `type`. */
  typed(type: ColumnType): string;
  /** Takes `n` event seqs inside the write transaction; the last seq before them. */
  reserveSeqs(db: SqlRunner, n: number): Promise<number>;
  /** The deliveries' new status and machine, in as few statements as the database likes. */
  saveDeliveries(db: SqlRunner, rows: readonly DeliveryChange[], now: number): Promise<void>;
  /** Attempts' new status, one change per id. */
  updateAttempts(db: SqlRunner, rows: readonly AttemptChange[]): Promise<void>;
}

/** Rows per multi-row statement: one statement per row cost more than the row itself. */
export const ROWS_PER_STATEMENT = 100;

/** Rows per statement where columns travel as arrays (PostgreSQL, `unnest`). */
export const ARRAY_ROWS = 1_000;

/** A multi-row INSERT (see `SqlDialect.insertMany`). */
export function insertMany(db: SqlRunner, head: string, types: readonly ColumnType[], rows: readonly Param[][], tail = ''): Promise<void> {
  return rows.length ? db.dialect.insertMany(db, head, types, rows, tail) : Promise.resolve();
}

/** Rows as one array per column, for `unnest`. */
export function columnsOf(rows: readonly (readonly Param[])[], width: number): Scalar[][] {
  const columns: Scalar[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) columns[i].push(row[i] as Scalar);
  return columns;
}

/** `column IN (values)` for one chunk of values (`chunkOf` long), as SQL and its parameters. */
export function isIn(db: SqlRunner, column: string, values: readonly Scalar[], type: ColumnType = 'text'): Condition {
  return db.dialect.isIn(column, values, type);
}

/**
 * ` AND partition IN (…)` for a writer of some partitions (one lane of several); nothing for one
 * that writes them all (`null`), whose statements stay as they were.
 */
export function inPartitions(db: SqlRunner, partitions: readonly number[] | null): Condition {
  if (partitions === null) return { sql: '', params: [] };
  const c = isIn(db, 'partition', partitions, 'integer');
  return { sql: ` AND ${c.sql}`, params: c.params };
}

/** `column` among `values`, however many, as one parameter. For lists not worth chunking. */
export function among(db: SqlRunner, column: string, values: readonly string[]): Condition {
  return db.dialect.among(column, values);
}

/** Values per `isIn` chunk. */
export function chunkOf(db: SqlRunner): number {
  return db.dialect.chunk;
}

/** A parameter the database cannot type from its place (a SELECT list, a CASE), of `type`. */
export function typed(db: SqlRunner, type: ColumnType): string {
  return db.dialect.typed(type);
}

/** `area_path` values below `path`, as an index-friendly range instead of LIKE. */
export function subtreeRange(path: string): [string, string] {
  // Paths end in '/', and '0' is the character after '/', so [path, path-with-'0') is the subtree
  // (byte order: SQLite's BINARY, PostgreSQL's "C" collation on these columns).
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

/**
 * `columns` containing `text`, as SQL and its parameters: LIKE with `%`, `_` and `\` escaped, so
 * a search is for the text as typed (both dialects read `ESCAPE '\'` alike).
 */
export function containsText(columns: readonly string[], text: string | undefined): { sql: string; params: string[] } {
  if (!text) return { sql: '', params: [] };
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return { sql: ` AND (${columns.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`, params: columns.map(() => pattern) };
}

/** Splits ids into chunks that stay under the bound-parameter limit. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
