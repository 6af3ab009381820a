import { deliveryPartition } from '@lifeline/domain';
import { chunkOf, chunks, inPartitions, insertMany, isIn, type SqlRunner } from './sql';

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
      'INSERT INTO timers (delivery_id, name, epoch, due_at, partition)',
      ['text', 'text', 'bigint', 'bigint', 'integer'],
      rows.map((t) => [t.delivery_id, t.name, t.epoch, t.due_at, deliveryPartition(t.delivery_id)]),
      'ON CONFLICT (delivery_id, name) DO UPDATE SET epoch = excluded.epoch, due_at = excluded.due_at',
    );
  }

  async cancelAllOf(deliveryIds: readonly string[]): Promise<void> {
    for (const c of chunks(deliveryIds, chunkOf(this.db))) {
      const ids = isIn(this.db, 'delivery_id', c);
      await this.db.run(`DELETE FROM timers WHERE ${ids.sql}`, ...ids.params);
    }
  }

  /** Timers due by `now`, of `partitions` (null: all), earliest first. */
  due(now: number, limit: number, partitions: readonly number[] | null = null): Promise<TimerRow[]> {
    const p = inPartitions(this.db, partitions);
    return this.db.all<TimerRow>(`SELECT delivery_id, name, epoch, due_at FROM timers WHERE due_at <= ?${p.sql} ORDER BY due_at LIMIT ?`, now, ...p.params, limit);
  }

  async remove(t: TimerRow): Promise<void> {
    await this.db.run('DELETE FROM timers WHERE delivery_id = ? AND name = ? AND epoch = ?', t.delivery_id, t.name, t.epoch);
  }

  /** The earliest timer's due time: `due`'s first row at any time (MIN over a partition filter would read every timer). */
  async nextDue(partitions: readonly number[] | null = null): Promise<number | null> {
    const [first] = await this.due(Number.MAX_SAFE_INTEGER, 1, partitions);
    return first ? Number(first.due_at) : null;
  }
}
