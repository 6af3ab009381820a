import type { Sql } from './sql';

export interface StoredEvent {
  seq: number;
  type: string;
  at: number;
  orderId: string | null;
  areaPath: string | null;
  payload: Record<string, unknown>;
}

/**
 * Events get a gapless `seq` from a counter owned by the single writer; a rolled-back batch
 * hands its numbers back (`resync`), so replays with `since` never see a hole.
 */
export class EventRepo {
  private next: number;

  constructor(private readonly sql: Sql) {
    this.next = this.maxSeq() + 1;
  }

  maxSeq(): number {
    return Number(this.sql.get<{ m: number | null }>('SELECT MAX(seq) AS m FROM events')?.m ?? 0);
  }

  resync(): void {
    this.next = this.maxSeq() + 1;
  }

  append(type: string, at: number, orderId: string | null, areaPath: string | null, payload: Record<string, unknown>): number {
    const seq = this.next++;
    this.sql.run('INSERT INTO events (seq, type, at, order_id, area_path, payload) VALUES (?, ?, ?, ?, ?, ?)', seq, type, at, orderId, areaPath, JSON.stringify(payload));
    return seq;
  }

  since(seq: number, limit: number): StoredEvent[] {
    return this.sql
      .all<{ seq: number; type: string; at: number; order_id: string | null; area_path: string | null; payload: string }>(
        'SELECT seq, type, at, order_id, area_path, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
        seq, limit,
      )
      .map((r) => ({ seq: Number(r.seq), type: r.type, at: Number(r.at), orderId: r.order_id, areaPath: r.area_path, payload: JSON.parse(r.payload) }));
  }
}
