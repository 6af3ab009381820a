import { chunks, placeholders, type Sql } from './sql';

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

export class AttemptRepo {
  constructor(private readonly sql: Sql) {}

  /** A repeated attempt id keeps its first row: a resend after a restart is the same attempt. */
  insertMany(rows: readonly AttemptRow[]): void {
    this.sql.insertMany(
      'INSERT INTO attempts (id, delivery_id, attempt, channel, area, address, status, at, detail)',
      rows.map((a) => [a.id, a.delivery_id, a.attempt, a.channel, a.area, a.address, a.status, a.at, a.detail]),
      'ON CONFLICT (id) DO NOTHING',
    );
  }

  /** Updates grouped by their new values: a job's `delivered` attempts share one statement. */
  updateMany(updates: readonly AttemptUpdate[]): void {
    const groups = new Map<string, { u: AttemptUpdate; ids: string[] }>();
    for (const u of updates) {
      const key = JSON.stringify([u.status, u.at, u.detail]);
      const g = groups.get(key);
      if (g) g.ids.push(u.id);
      else groups.set(key, { u, ids: [u.id] });
    }
    for (const { u, ids } of groups.values())
      for (const c of chunks(ids))
        this.sql.run(`UPDATE attempts SET status = ?, at = ?, detail = ? WHERE id IN (${placeholders(c.length)})`, u.status, u.at, u.detail, ...c);
  }

  get(id: string): AttemptRow | undefined {
    return this.sql.get<AttemptRow>('SELECT id, delivery_id, attempt, channel, area, address, status, at, detail FROM attempts WHERE id = ?', id);
  }

  ofDelivery(deliveryId: string): AttemptRow[] {
    return this.ofDeliveries([deliveryId]).get(deliveryId) ?? [];
  }

  /** The attempts of each delivery, in order: one statement per few hundred deliveries, not one each. */
  ofDeliveries(deliveryIds: readonly string[]): Map<string, AttemptRow[]> {
    const out = new Map<string, AttemptRow[]>();
    for (const c of chunks(deliveryIds))
      for (const r of this.sql.all<AttemptRow>(
        `SELECT id, delivery_id, attempt, channel, area, address, status, at, detail FROM attempts WHERE delivery_id IN (${placeholders(c.length)}) ORDER BY delivery_id, attempt`,
        ...c,
      )) {
        const list = out.get(r.delivery_id);
        if (list) list.push(r);
        else out.set(r.delivery_id, [r]);
      }
    return out;
  }
}
