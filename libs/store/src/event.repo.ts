import { insertMany, type SqlRunner } from './sql';

export interface NewEvent {
  type: string;
  at: number;
  orderId: string | null;
  areaPath: string | null;
  payload: Record<string, unknown>;
}

export interface StoredEvent {
  seq: number;
  type: string;
  at: number;
  orderId: string | null;
  areaPath: string | null;
  payload: Record<string, unknown>;
}

/**
 * Events get a gapless `seq` in commit order, taken inside the write transaction (`reserve`), so
 * a rolled-back batch leaves no hole and nothing in memory can go stale.
 */
export class EventRepo {
  constructor(private readonly db: SqlRunner) {}

  async maxSeq(): Promise<number> {
    return Number((await this.db.get<{ m: number | null }>('SELECT MAX(seq) AS m FROM events'))?.m ?? 0);
  }

  /**
   * Takes `n` seqs inside the write transaction and returns the last seq before them, from the
   * database (not from memory), so that writers of several processes number alike.
   */
  private reserve(n: number): Promise<number> {
    return this.db.dialect.reserveSeqs(this.db, n);
  }

  async append(type: string, at: number, orderId: string | null, areaPath: string | null, payload: Record<string, unknown>): Promise<number> {
    return (await this.appendMany([{ type, at, orderId, areaPath, payload }]))[0];
  }

  /** Appends events in multi-row inserts; an engine job writes its receipts so. Their seqs, in order. */
  async appendMany(rows: readonly NewEvent[]): Promise<number[]> {
    if (!rows.length) return [];
    const first = (await this.reserve(rows.length)) + 1;
    const seqs = rows.map((_, i) => first + i);
    await insertMany(
      this.db,
      'INSERT INTO events (seq, type, at, order_id, area_path, payload)',
      ['bigint', 'text', 'bigint', 'text', 'text', 'text'],
      rows.map((r, i) => [seqs[i], r.type, r.at, r.orderId, r.areaPath, JSON.stringify(r.payload)]),
    );
    return seqs;
  }

  /** A page of one order's receipts after `seq`, in stream order (its progress over time). */
  async receiptsOf(orderId: string, seq: number, limit: number): Promise<{ seq: number; at: number; deliveryId: string; status: string }[]> {
    const rows = await this.db.all<{ seq: number; at: number; payload: string }>(
      "SELECT seq, at, payload FROM events WHERE seq > ? AND order_id = ? AND type = 'receipt' ORDER BY seq LIMIT ?",
      seq, orderId, limit,
    );
    return rows.map((r) => {
      const p = JSON.parse(r.payload) as { deliveryId: string; status: string };
      return { seq: Number(r.seq), at: Number(r.at), deliveryId: p.deliveryId, status: p.status };
    });
  }

  async since(seq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.all<{ seq: number; type: string; at: number; order_id: string | null; area_path: string | null; payload: string }>(
      'SELECT seq, type, at, order_id, area_path, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
      seq, limit,
    );
    return rows.map((r) => ({ seq: Number(r.seq), type: r.type, at: Number(r.at), orderId: r.order_id, areaPath: r.area_path, payload: JSON.parse(r.payload) }));
  }
}
