import { ARRAY_ROWS, chunks, columnsOf, type SqlDialect } from '../sql';

/**
 * PostgreSQL's way: a thousand rows per statement as one array per column (`unnest`, `= ANY`), far
 * less for the server to parse and plan than a VALUES list of as many parameters; and the event
 * seq from a counter row that serialises the writers (gapless, in commit order).
 */
export const PG_DIALECT: SqlDialect = {
  name: 'postgres',
  chunk: ARRAY_ROWS,

  async insertMany(db, head, types, rows, tail) {
    const arrays = `unnest(${types.map((t) => `?::${t}[]`).join(', ')})`;
    for (const part of chunks(rows, ARRAY_ROWS)) await db.run(`${head} SELECT * FROM ${arrays} ${tail}`, ...columnsOf(part, types.length));
  },

  isIn(column, values, type) {
    return { sql: `${column} = ANY(?::${type}[])`, params: [values] };
  },

  among(column, values) {
    return { sql: `${column} = ANY(?::text[])`, params: [values] };
  },

  typed(type) {
    return `CAST(? AS ${type})`;
  },

  /**
   * The `event_seq` row, updated, stays locked until this transaction ends: another writer waits
   * and numbers after this one commits (or, after a rollback, takes the same numbers again).
   */
  async reserveSeqs(db, n) {
    const r = await db.get<{ before: number }>('UPDATE event_seq SET last = last + ? WHERE id = 1 RETURNING last - ? AS before', n, n);
    if (!r) throw new Error('the event_seq row is missing: the migrations did not run');
    return Number(r.before);
  },

  async saveDeliveries(db, rows, now) {
    for (const part of chunks(rows, ARRAY_ROWS))
      await db.run(
        `UPDATE deliveries SET status = v.status, machine = v.machine, channel = v.channel, attempt = v.attempt, updated_at = ?,
           final_at = CASE WHEN v.final = 1 THEN ?::bigint ELSE NULL END
         FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[]) AS v(id, status, machine, channel, attempt, final)
         WHERE deliveries.id = v.id`,
        now, now, ...columnsOf(part, 6),
      );
  },

  async updateAttempts(db, rows) {
    for (const part of chunks(rows, ARRAY_ROWS))
      await db.run(
        `UPDATE attempts SET status = v.status, at = v.at, detail = v.detail
           FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[]) AS v(id, status, at, detail)
          WHERE attempts.id = v.id`,
        ...columnsOf(part, 4),
      );
  },
};
