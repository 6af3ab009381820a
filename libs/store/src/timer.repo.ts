import { chunks, placeholders, type Sql } from './sql';

export interface TimerRow {
  delivery_id: string;
  name: string;
  epoch: number;
  due_at: number;
}

/** Delivery timers as rows with absolute due times: they survive a crash, unlike XState's `after`. */
export class TimerRepo {
  constructor(private readonly sql: Sql) {}

  /** Arming a timer again replaces it: one row per (delivery, name). */
  armMany(rows: readonly TimerRow[]): void {
    this.sql.insertMany(
      'INSERT INTO timers (delivery_id, name, epoch, due_at)',
      rows.map((t) => [t.delivery_id, t.name, t.epoch, t.due_at]),
      'ON CONFLICT (delivery_id, name) DO UPDATE SET epoch = excluded.epoch, due_at = excluded.due_at',
    );
  }

  cancelAllOf(deliveryIds: readonly string[]): void {
    for (const c of chunks(deliveryIds)) this.sql.run(`DELETE FROM timers WHERE delivery_id IN (${placeholders(c.length)})`, ...c);
  }

  due(now: number, limit: number): TimerRow[] {
    return this.sql.all<TimerRow>('SELECT delivery_id, name, epoch, due_at FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, limit);
  }

  remove(t: TimerRow): void {
    this.sql.run('DELETE FROM timers WHERE delivery_id = ? AND name = ? AND epoch = ?', t.delivery_id, t.name, t.epoch);
  }

  nextDue(): number | null {
    const m = this.sql.get<{ m: number | null }>('SELECT MIN(due_at) AS m FROM timers')?.m;
    return m === null || m === undefined ? null : Number(m);
  }
}
