/**
 * The SQL surface the repositories are written against: portable SQL with `?` placeholders, run
 * by a `SqlRunner` of one database (SQLite in process, PostgreSQL over the network). Where the two
 * differ, the helpers below ask the runner's `dialect` (multi-row VALUES on SQLite, one array per
 * column through `unnest` and `= ANY` on PostgreSQL), and so do the few statements of their own
 * kind (the deliveries' bulk update, the event seq); nowhere else.
 */
export type Scalar = string | number | null;
/** A statement's parameter; an array only on PostgreSQL (`unnest`), which binds it as one value. */
export type Param = Scalar | readonly Scalar[];

export type Dialect = 'sqlite' | 'postgres';

export interface SqlRunner {
  readonly dialect: Dialect;
  /** Rows; bigint and numeric columns arrive as numbers on every dialect. */
  all<T>(sql: string, ...params: Param[]): Promise<T[]>;
  get<T>(sql: string, ...params: Param[]): Promise<T | undefined>;
  /** Rows changed. */
  run(sql: string, ...params: Param[]): Promise<number>;
}

/** Rows per multi-row statement: one statement per row cost more than the row itself. */
export const ROWS_PER_STATEMENT = 100;

/** Rows per statement where columns travel as arrays (PostgreSQL, `unnest`). */
export const ARRAY_ROWS = 1_000;

/**
 * A multi-row INSERT: `head` names the table and columns, `types` their SQL types, each row is
 * one tuple of values, `tail` may add an ON CONFLICT clause. SQLite: VALUES lists of a hundred
 * rows. PostgreSQL: a thousand rows as one array per column (`SELECT * FROM unnest(...)`), far
 * less for the server to parse and plan than a VALUES list of as many parameters.
 */
export async function insertMany(db: SqlRunner, head: string, types: readonly ColumnType[], rows: readonly Param[][], tail = ''): Promise<void> {
  if (!rows.length) return;
  if (db.dialect === 'postgres') {
    const arrays = `unnest(${types.map((t) => `?::${t}[]`).join(', ')})`;
    for (const part of chunks(rows, ARRAY_ROWS)) await db.run(`${head} SELECT * FROM ${arrays} ${tail}`, ...columnsOf(part, types.length));
    return;
  }
  for (const part of chunks(rows, ROWS_PER_STATEMENT)) await db.run(`${head} VALUES ${tuples(part.length, types.length)} ${tail}`, ...part.flat());
}

/** Rows as one array per column, for `unnest`. */
export function columnsOf(rows: readonly (readonly Param[])[], width: number): Scalar[][] {
  const columns: Scalar[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) columns[i].push(row[i] as Scalar);
  return columns;
}

/**
 * `column IN (values)` for one chunk of values (`chunkOf` long), as SQL and its parameters: a list
 * of parameters, or on PostgreSQL one array (`= ANY`), which the primary key's index serves alike.
 */
export function isIn(db: SqlRunner, column: string, values: readonly Scalar[], type: ColumnType = 'text'): { sql: string; params: Param[] } {
  if (db.dialect === 'postgres') return { sql: `${column} = ANY(?::${type}[])`, params: [values] };
  return { sql: `${column} IN (${placeholders(values.length)})`, params: [...values] };
}

/**
 * ` AND partition IN (…)` for a writer of some partitions (one lane of several); nothing for one
 * that writes them all (`null`), whose statements stay as they were.
 */
export function inPartitions(db: SqlRunner, partitions: readonly number[] | null): { sql: string; params: Param[] } {
  if (partitions === null) return { sql: '', params: [] };
  const c = isIn(db, 'partition', partitions, 'integer');
  return { sql: ` AND ${c.sql}`, params: c.params };
}

/**
 * `column` among `values`, however many, as one parameter: an array on PostgreSQL (`= ANY`), a
 * JSON list on SQLite (`json_each`). For lists that are not worth chunking and may be long.
 */
export function among(db: SqlRunner, column: string, values: readonly string[]): { sql: string; params: Param[] } {
  if (db.dialect === 'postgres') return { sql: `${column} = ANY(?::text[])`, params: [values] };
  return { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] };
}

/** Values per `isIn` chunk: under SQLite's parameter limit, or a thousand in one array. */
export function chunkOf(db: SqlRunner): number {
  return db.dialect === 'postgres' ? ARRAY_ROWS : 500;
}

/** SQL types of columns where a dialect needs them: casts in VALUES lists, arrays on PostgreSQL. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'float8';

/**
 * A VALUES list of `rows` tuples whose columns have `types`: PostgreSQL types a list of bare
 * parameters as text, so its first row carries casts (the rows below take the same types);
 * SQLite needs none.
 */
export function typedValues(db: SqlRunner, rows: number, types: readonly ColumnType[]): string {
  if (db.dialect === 'sqlite') return tuples(rows, types.length);
  const first = `(${types.map((t) => `CAST(? AS ${t})`).join(', ')})`;
  return rows === 1 ? first : `${first}, ${tuples(rows - 1, types.length)}`;
}

/** A parameter the dialect cannot type from its place (a SELECT list, a CASE), cast to `type`. */
export function typed(db: SqlRunner, type: ColumnType): string {
  return db.dialect === 'sqlite' ? '?' : `CAST(? AS ${type})`;
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
