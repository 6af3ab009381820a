import { chunkOf, chunks, insertMany, isIn, type SqlRunner } from './sql';

export interface TimerRow {
  delivery_id: string;
  name: string;
  epoch: number;
  due_at: number;
}

/** Delivery timers as rows with absolute due times: they survive a crash, unlike XState's `after`. */
export class TimerRepo {
  constructor(private readonly db: SqlRunner) {}

  /** Arming a timer again replaces it: one row per (delivery, name). */
  armMany(rows: readonly TimerRow[]): Promise<void> {
    return insertMany(
      this.db,
      'INSERT INTO timers (delivery_id, name, epoch, due_at)',
      ['text', 'text', 'bigint', 'bigint'],
      rows.map((t) => [t.delivery_id, t.name, t.epoch, t.due_at]),
      'ON CONFLICT (delivery_id, name) DO UPDATE SET epoch = excluded.epoch, due_at = excluded.due_at',
    );
  }

  async cancelAllOf(deliveryIds: readonly string[]): Promise<void> {
    for (const c of chunks(deliveryIds, chunkOf(this.db))) {
      const ids = isIn(this.db, 'delivery_id', c);
      await this.db.run(`DELETE FROM timers WHERE ${ids.sql}`, ...ids.params);
    }
  }

  due(now: number, limit: number): Promise<TimerRow[]> {
    return this.db.all<TimerRow>('SELECT delivery_id, name, epoch, due_at FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, limit);
  }

  async remove(t: TimerRow): Promise<void> {
    await this.db.run('DELETE FROM timers WHERE delivery_id = ? AND name = ? AND epoch = ?', t.delivery_id, t.name, t.epoch);
  }

  async nextDue(): Promise<number | null> {
    const m = (await this.db.get<{ m: number | null }>('SELECT MIN(due_at) AS m FROM timers'))?.m;
    return m === null || m === undefined ? null : Number(m);
  }
}
