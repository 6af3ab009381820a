import { chunks, placeholders, ROWS_PER_STATEMENT, tuples, type AttemptChange, type SqlDialect } from '../sql';

/** Bound parameters per `IN` list, well under SQLite's limit. */
const CHUNK = 500;

/**
 * SQLite's way of saying what PostgreSQL says otherwise: VALUES lists, a JSON list for long
 * `among`s, the event seq from the highest stored (one writer per file), and updates that cost
 * little in process.
 */
export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  chunk: CHUNK,

  async insertMany(db, head, types, rows, tail) {
    for (const part of chunks(rows, ROWS_PER_STATEMENT)) await db.run(`${head} VALUES ${tuples(part.length, types.length)} ${tail}`, ...part.flat());
  },

  isIn(column, values) {
    return { sql: `${column} IN (${placeholders(values.length)})`, params: [...values] };
  },

  among(column, values) {
    return { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] };
  },

  typed() {
    return '?';
  },

  async reserveSeqs(db) {
    // One writer per file (file-lock.ts): the highest stored seq is the last one taken.
    return Number((await db.get<{ m: number | null }>('SELECT MAX(seq) AS m FROM events'))?.m ?? 0);
  },

  /** A hundred rows per UPDATE ... FROM (VALUES ...), whose columns SQLite 3.33+ names column1, column2, .... */
  async saveDeliveries(db, rows, now) {
    for (const part of chunks(rows, ROWS_PER_STATEMENT))
      await db.run(
        `UPDATE deliveries SET status = v.column2, machine = v.column3, channel = v.column4, attempt = v.column5, updated_at = ?,
           final_at = CASE WHEN v.column6 = 1 THEN ? ELSE NULL END
         FROM (VALUES ${tuples(part.length, 6)}) AS v WHERE deliveries.id = v.column1`,
        now, now, ...part.flat(),
      );
  },

  /** Grouped by their new values (statements cost little in process): a job's `delivered` attempts share one. */
  async updateAttempts(db, rows) {
    for (const { change, ids } of groupedByValues(rows))
      for (const c of chunks(ids, CHUNK))
        await db.run(`UPDATE attempts SET status = ?, at = ?, detail = ? WHERE id IN (${placeholders(c.length)})`, change[1], change[2], change[3], ...c);
  },
};

function groupedByValues(rows: readonly AttemptChange[]): { change: AttemptChange; ids: string[] }[] {
  const groups = new Map<string, { change: AttemptChange; ids: string[] }>();
  for (const r of rows) {
    const key = JSON.stringify([r[1], r[2], r[3]]);
    const g = groups.get(key);
    if (g) g.ids.push(r[0]);
    else groups.set(key, { change: r, ids: [r[0]] });
  }
  return [...groups.values()];
}
