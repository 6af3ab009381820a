import { NOT_STARTED } from '@lifeline/machines';
import type { OrderSpec, Priority } from '@lifeline/domain';
import { chunks, placeholders, subtreeRange, withinSubtrees, type Sql } from './sql';

export interface OrderRow {
  id: string;
  ref: string;
  console_id: string;
  client_ref: string;
  priority: Priority;
  priority_rank: number;
  body: string;
  summary: string | null;
  ack_required: number;
  ack_within_s: number;
  ttl_s: number;
  created_at: number;
  expires_at: number;
  target: string;
  scope_path: string;
  deliveries: number;
  open_count: number;
  cancelled: number;
  seq: number;
}

export interface NewOrder {
  id: string;
  ref: string;
  consoleId: string;
  clientRef: string;
  spec: OrderSpec;
  priorityRank: number;
  createdAt: number;
  expiresAt: number;
  scopePath: string;
}

const COLUMNS =
  'id, ref, console_id, client_ref, priority, priority_rank, body, summary, ack_required, ack_within_s, ttl_s, created_at, expires_at, target, scope_path, deliveries, open_count, cancelled, seq';

export class OrderRepo {
  constructor(private readonly sql: Sql) {}

  byClientRef(consoleId: string, clientRef: string): OrderRow | undefined {
    return this.sql.get<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE console_id = ? AND client_ref = ?`, consoleId, clientRef);
  }

  get(id: string): OrderRow | undefined {
    return this.sql.get<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = ?`, id);
  }


  openByRef(ref: string): OrderRow | undefined {
    return this.sql.get<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE ref = ? AND open_count > 0`, ref);
  }

  /** The latest orders, of those whose scope lies within `within` (area paths; null: all). */
  list(status: 'open' | 'closed' | 'all', limit = 500, within: readonly string[] | null = null): OrderRow[] {
    const where = status === 'open' ? 'open_count > 0' : status === 'closed' ? 'open_count = 0' : '1 = 1';
    const scope = withinSubtrees('scope_path', within);
    return this.sql.all<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE ${where}${scope.sql} ORDER BY created_at DESC, id DESC LIMIT ?`, ...scope.params, limit);
  }

  /**
   * Inserts the order and one delivery per person reached, set-based: a million-person area is one
   * INSERT ... SELECT over the people table, not a million round trips. Returns the delivery count.
   */
  insert(o: NewOrder, areaPaths: readonly string[], now: number): number {
    this.sql.run(
      `INSERT INTO orders (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0)`,
      o.id, o.ref, o.consoleId, o.clientRef, o.spec.priority, o.priorityRank, o.spec.body, o.spec.summary ?? null,
      o.spec.ackRequired ? 1 : 0, o.spec.ackWithinS, o.spec.ttlS, o.createdAt, o.expiresAt,
      JSON.stringify(o.spec.to), o.scopePath,
    );
    const insert = `INSERT INTO deliveries (id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, machine, channel, attempt, updated_at)
      SELECT ? || ':' || p.id, ?, p.id, p.area, p.area_path, p.terminals, ?, ?, '${NOT_STARTED}', NULL, NULL, 0, ? FROM people p`;
    const head = [o.id, o.id, o.priorityRank, o.expiresAt, now] as const;
    let count = 0;
    const roles = o.spec.to.roles ?? [];
    const roleFilter = roles.length
      ? ` AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role IN (${placeholders(roles.length)}))`
      : '';
    for (const path of areaPaths) {
      const [lo, hi] = subtreeRange(path);
      count += this.sql.run(`${insert} WHERE p.area_path >= ? AND p.area_path < ?${roleFilter} ON CONFLICT (id) DO NOTHING`, ...head, lo, hi, ...roles);
    }
    for (const c of chunks(o.spec.to.people ?? []))
      count += this.sql.run(`${insert} WHERE p.id IN (${placeholders(c.length)}) ON CONFLICT (id) DO NOTHING`, ...head, ...c);
    this.sql.run('UPDATE orders SET deliveries = ?, open_count = ? WHERE id = ?', count, count, o.id);
    return count;
  }

  /** Orders with deliveries not yet final, by priority and whether they ask for an answer (metrics). */
  openSummary(): { priority: string; ackRequired: boolean; orders: number; open: number; oldestCreatedAt: number }[] {
    return this.sql
      .all<{ priority: string; ack_required: number; orders: number; open: number; oldest: number }>(
        'SELECT priority, ack_required, COUNT(*) AS orders, SUM(open_count) AS open, MIN(created_at) AS oldest FROM orders WHERE open_count > 0 GROUP BY priority, ack_required',
      )
      .map((r) => ({ priority: r.priority, ackRequired: Number(r.ack_required) === 1, orders: Number(r.orders), open: Number(r.open), oldestCreatedAt: Number(r.oldest) }));
  }

  setSeq(id: string, seq: number): void {
    this.sql.run('UPDATE orders SET seq = ? WHERE id = ?', seq, id);
  }

  closeDeliveries(id: string, n: number): void {
    this.sql.run('UPDATE orders SET open_count = open_count - ? WHERE id = ?', n, id);
  }

  markCancelled(id: string): void {
    this.sql.run('UPDATE orders SET cancelled = 1 WHERE id = ?', id);
  }

  refInUse(ref: string): boolean {
    return this.openByRef(ref) !== undefined;
  }
}
