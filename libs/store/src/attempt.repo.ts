import { ARRAY_ROWS, chunkOf, chunks, columnsOf, insertMany, isIn, type SqlRunner } from './sql';

export interface AttemptUpdate {
  id: string;
  status: string;
  at: number;
  detail: string | null;
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  attempt: number;
  channel: string;
  area: string;
  address: string;
  status: string;
  at: number;
  detail: string | null;
}

const COLUMNS = 'id, delivery_id, attempt, channel, area, address, status, at, detail';

export class AttemptRepo {
  constructor(private readonly db: SqlRunner) {}

  /** A repeated attempt id keeps its first row: a resend after a restart is the same attempt. */
  insertMany(rows: readonly AttemptRow[]): Promise<void> {
    return insertMany(
      this.db,
      `INSERT INTO attempts (${COLUMNS})`,
      ['text', 'text', 'bigint', 'text', 'text', 'text', 'text', 'bigint', 'text'],
      rows.map((a) => [a.id, a.delivery_id, a.attempt, a.channel, a.area, a.address, a.status, a.at, a.detail]),
      'ON CONFLICT (id) DO NOTHING',
    );
  }

  /**
   * Updates, the last one of each attempt winning. PostgreSQL: a thousand rows per statement as
   * one array per column; SQLite (in process, statements cost little): grouped by their new
   * values, so a job's `delivered` attempts share one statement.
   */
  async updateMany(updates: readonly AttemptUpdate[]): Promise<void> {
    // One update per id (an UPDATE ... FROM with two source rows for one target applies either).
    const last = [...new Map(updates.map((u) => [u.id, u])).values()];
    if (this.db.dialect === 'postgres') {
      for (const part of chunks(last, ARRAY_ROWS))
        await this.db.run(
          `UPDATE attempts SET status = v.status, at = v.at, detail = v.detail
             FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[]) AS v(id, status, at, detail)
            WHERE attempts.id = v.id`,
          ...columnsOf(part.map((u) => [u.id, u.status, u.at, u.detail]), 4),
        );
      return;
    }
    const groups = new Map<string, { u: AttemptUpdate; ids: string[] }>();
    for (const u of last) {
      const key = JSON.stringify([u.status, u.at, u.detail]);
      const g = groups.get(key);
      if (g) g.ids.push(u.id);
      else groups.set(key, { u, ids: [u.id] });
    }
    for (const { u, ids } of groups.values())
      for (const c of chunks(ids, chunkOf(this.db))) {
        const id = isIn(this.db, 'id', c);
        await this.db.run(`UPDATE attempts SET status = ?, at = ?, detail = ? WHERE ${id.sql}`, u.status, u.at, u.detail, ...id.params);
      }
  }

  get(id: string): Promise<AttemptRow | undefined> {
    return this.db.get<AttemptRow>(`SELECT ${COLUMNS} FROM attempts WHERE id = ?`, id);
  }

  async ofDelivery(deliveryId: string): Promise<AttemptRow[]> {
    return (await this.ofDeliveries([deliveryId])).get(deliveryId) ?? [];
  }

  /** The attempts of each delivery, in order: one statement per few hundred deliveries, not one each. */
  async ofDeliveries(deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
    const out = new Map<string, AttemptRow[]>();
    for (const c of chunks(deliveryIds, chunkOf(this.db))) {
      const ids = isIn(this.db, 'delivery_id', c);
      for (const r of await this.db.all<AttemptRow>(`SELECT ${COLUMNS} FROM attempts WHERE ${ids.sql} ORDER BY delivery_id, attempt`, ...ids.params)) {
        const list = out.get(r.delivery_id);
        if (list) list.push(r);
        else out.set(r.delivery_id, [r]);
      }
    }
    return out;
  }
}
