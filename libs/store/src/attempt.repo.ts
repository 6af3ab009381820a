import { chunkOf, chunks, insertMany, isIn, type SqlRunner } from './sql';

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

  /** Updates, the last one of each attempt winning, in the statements the dialect likes best. */
  async updateMany(updates: readonly AttemptUpdate[]): Promise<void> {
    // One update per id (an UPDATE ... FROM with two source rows for one target applies either).
    const last = [...new Map(updates.map((u) => [u.id, u])).values()];
    if (last.length) await this.db.dialect.updateAttempts(this.db, last.map((u) => [u.id, u.status, u.at, u.detail] as const));
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
