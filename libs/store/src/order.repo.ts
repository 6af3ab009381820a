import { NOT_STARTED } from '@lifeline/machines';
import type { MatchKind, OrderSpec, Priority } from '@lifeline/domain';
import { among, chunks, placeholders, subtreeRange, typed, withinSubtrees, type Param, type SqlRunner } from './sql';

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

/** Who an order reaches beyond its listed people, as the order service resolved it. */
export interface OrderReach {
  /** Subtrees of the areas the order names. */
  areaPaths: readonly string[];
  /** People whose location lies inside a fence. */
  locatedIds: readonly string[];
  /** Subtrees whose area's shape lies inside a fence: their people without a location. */
  shapePaths: readonly string[];
  /** Orders this one supersedes: whoever acknowledged one of them is not asked again. */
  excludeAcknowledgedOf?: readonly string[];
  /**
   * A resend: the people of this order's deliveries in these statuses (as the contract names
   * them), and no one else; the new order's `to` then only describes whom it went to.
   */
  fromOrder?: { orderId: string; statuses: readonly string[] };
}

/** People an order picks, one way: a WHERE over `people p` and its parameters. */
interface Selection {
  matched: MatchKind;
  where: string;
  params: Param[];
}

/** Every way an order picks people, most specific first (a person picked twice keeps the first). */
function selections(people: readonly string[], reach: OrderReach): Selection[] {
  if (reach.fromOrder) {
    // The order's deliveries are a primary-key range (`<orderId>:<personId>`); 'new' is queued.
    const { orderId, statuses } = reach.fromOrder;
    const status = `CASE WHEN d.status = '${NOT_STARTED}' THEN 'queued' ELSE d.status END`;
    return [{
      matched: 'person',
      where: `p.id IN (SELECT d.person_id FROM deliveries d WHERE d.id > ? AND d.id < ? AND ${status} IN (${placeholders(statuses.length)}))`,
      params: [`${orderId}:`, `${orderId};`, ...statuses],
    }];
  }
  const subtree = (matched: MatchKind, path: string, unlocated: boolean): Selection => ({
    matched,
    where: `p.area_path >= ? AND p.area_path < ?${unlocated ? ' AND p.lon IS NULL' : ''}`,
    params: subtreeRange(path),
  });
  const among = (matched: MatchKind, ids: readonly string[]) =>
    chunks(ids).map((c): Selection => ({ matched, where: `p.id IN (${placeholders(c.length)})`, params: c }));
  return [
    ...among('person', people),
    ...reach.areaPaths.map((path) => subtree('area', path, false)),
    ...among('location', reach.locatedIds),
    ...reach.shapePaths.map((path) => subtree('area-shape', path, true)),
  ];
}

/** Roles narrowing a selection: people holding one of them. */
function roleFilter(roles: readonly string[] | undefined): { sql: string; params: string[] } {
  if (!roles?.length) return { sql: '', params: [] };
  return { sql: ` AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role IN (${placeholders(roles.length)}))`, params: [...roles] };
}

/** How far back a chain of updates is followed (see `chainOf`). */
const MAX_CHAIN_DEPTH = 32;
const MAX_CHAIN_ORDERS = 500;

const COLUMNS =
  'id, ref, console_id, client_ref, priority, priority_rank, body, summary, ack_required, ack_within_s, ttl_s, created_at, expires_at, target, scope_path, deliveries, open_count, cancelled, seq';

export class OrderRepo {
  constructor(private readonly db: SqlRunner) {}

  byClientRef(consoleId: string, clientRef: string): Promise<OrderRow | undefined> {
    return this.db.get<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE console_id = ? AND client_ref = ?`, consoleId, clientRef);
  }

  get(id: string): Promise<OrderRow | undefined> {
    return this.db.get<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = ?`, id);
  }

  openByRef(ref: string): Promise<OrderRow | undefined> {
    return this.db.get<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE ref = ? AND open_count > 0`, ref);
  }

  /** The latest orders, of those whose scope lies within `within` (area paths; null: all). */
  list(status: 'open' | 'closed' | 'all', limit = 500, within: readonly string[] | null = null): Promise<OrderRow[]> {
    const where = status === 'open' ? 'open_count > 0' : status === 'closed' ? 'open_count = 0' : '1 = 1';
    const scope = withinSubtrees('scope_path', within);
    return this.db.all<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE ${where}${scope.sql} ORDER BY created_at DESC, id DESC LIMIT ?`, ...scope.params, limit);
  }

  /**
   * Inserts the order and one delivery per person reached, set-based: a million-person area is one
   * INSERT ... SELECT over the people table, not a million round trips. A person reached twice
   * keeps the first, most specific match (listed, area, location, area shape); roles narrow all
   * but the listed. Returns the delivery count.
   */
  async insert(o: NewOrder, reach: OrderReach, now: number): Promise<number> {
    await this.db.run(
      `INSERT INTO orders (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0)`,
      o.id, o.ref, o.consoleId, o.clientRef, o.spec.priority, o.priorityRank, o.spec.body, o.spec.summary ?? null,
      o.spec.ackRequired ? 1 : 0, o.spec.ackWithinS, o.spec.ttlS, o.createdAt, o.expiresAt,
      JSON.stringify(o.spec.to), o.scopePath,
    );
    const insert = (matched: MatchKind) => `INSERT INTO deliveries (id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, machine, channel, attempt, updated_at, matched, partition)
      SELECT ${typed(this.db, 'text')} || ':' || p.id, ${typed(this.db, 'text')}, p.id, p.area, p.area_path, p.terminals, ${typed(this.db, 'bigint')}, ${typed(this.db, 'bigint')},
        '${NOT_STARTED}', NULL, NULL, 0, ${typed(this.db, 'bigint')}, '${matched}', p.partition FROM people p`;
    const head = [o.id, o.id, o.priorityRank, o.expiresAt, now] as const;
    const roles = roleFilter(o.spec.to.roles);
    // Not whoever acknowledged an order this one supersedes, or one those superseded, back along
    // the chain: per person, their own deliveries (by the person index: a few rows), checked
    // against the chain as one list; not a key lookup per person and chain order, which a long
    // chain over a large area made hundreds of millions of inside the writer's transaction.
    const direct = [...new Set(reach.excludeAcknowledgedOf ?? [])];
    const superseded = await this.chainOf(direct);
    const chain = among(this.db, 'a.order_id', superseded);
    const unanswered = superseded.length ? ` AND NOT EXISTS (SELECT 1 FROM deliveries a WHERE a.person_id = p.id AND a.status = 'acknowledged' AND ${chain.sql})` : '';
    for (const c of chunks(direct, 250))
      await this.db.run(`INSERT INTO order_supersedes (order_id, superseded_id) VALUES ${c.map(() => '(?, ?)').join(', ')}`, ...c.flatMap((s) => [o.id, s]));
    let count = 0;
    for (const s of selections(o.spec.to.people ?? [], reach)) {
      const narrowed = s.matched !== 'person'; // roles narrow all but the listed people
      count += await this.db.run(
        `${insert(s.matched)} WHERE ${s.where}${narrowed ? roles.sql : ''}${unanswered} ON CONFLICT (id) DO NOTHING`,
        ...head, ...s.params, ...(narrowed ? roles.params : []), ...(superseded.length ? chain.params : []),
      );
    }
    await this.db.run('UPDATE orders SET deliveries = ?, open_count = ? WHERE id = ?', count, count, o.id);
    return count;
  }

  /**
   * The orders `direct` superseded and those they superseded in turn, nearest first: a chain of
   * updates followed back at most MAX_CHAIN_DEPTH steps and MAX_CHAIN_ORDERS orders (each one a
   * bound parameter of the insert; an update of an update 32 times over is not a real warning).
   */
  async chainOf(direct: readonly string[]): Promise<string[]> {
    const seen = new Set(direct.slice(0, MAX_CHAIN_ORDERS));
    let frontier = [...seen];
    for (let depth = 1; depth < MAX_CHAIN_DEPTH && frontier.length && seen.size < MAX_CHAIN_ORDERS; depth++) {
      const next: string[] = [];
      for (const c of chunks(frontier))
        for (const r of await this.db.all<{ superseded_id: string }>(`SELECT superseded_id FROM order_supersedes WHERE order_id IN (${placeholders(c.length)}) ORDER BY superseded_id`, ...c))
          if (!seen.has(r.superseded_id) && seen.size < MAX_CHAIN_ORDERS) (seen.add(r.superseded_id), next.push(r.superseded_id));
      frontier = next;
    }
    return [...seen];
  }

  /**
   * The orders that superseded `orders`, and those that superseded them in turn (not `orders`
   * themselves), bounded as `chainOf` is: a Cancel of a warning's first alert reaches the updates
   * that carried it on.
   */
  async supersedersOf(orders: readonly string[]): Promise<string[]> {
    const seen = new Set(orders);
    const out: string[] = [];
    let frontier = [...seen];
    for (let depth = 1; depth < MAX_CHAIN_DEPTH && frontier.length && out.length < MAX_CHAIN_ORDERS; depth++) {
      const next: string[] = [];
      for (const c of chunks(frontier))
        for (const r of await this.db.all<{ order_id: string }>(`SELECT order_id FROM order_supersedes WHERE superseded_id IN (${placeholders(c.length)}) ORDER BY order_id`, ...c))
          if (!seen.has(r.order_id) && out.length < MAX_CHAIN_ORDERS) (seen.add(r.order_id), out.push(r.order_id), next.push(r.order_id));
      frontier = next;
    }
    return out;
  }

  /**
   * How many people an order would reach, by area, without writing anything: a console's preview.
   * Counted as `insert` picks them: the listed, and the areas and shapes narrowed by roles, in one
   * statement; then the located people, a chunk at a time, less those counted already.
   */
  async reachByArea(to: OrderSpec['to'], reach: OrderReach): Promise<Map<string, number>> {
    const roles = roleFilter(to.roles);
    const picks = selections(to.people ?? [], { ...reach, locatedIds: [] });
    const listed = picks.filter((s) => s.matched === 'person');
    const narrowed = picks.filter((s) => s.matched !== 'person');
    const or = (ss: Selection[]) => ss.map((s) => `(${s.where})`).join(' OR ');
    const parts = [
      ...(listed.length ? [{ sql: or(listed), params: listed.flatMap((s) => s.params) }] : []),
      ...(narrowed.length ? [{ sql: `((${or(narrowed)})${roles.sql})`, params: [...narrowed.flatMap((s) => s.params), ...roles.params] }] : []),
    ];
    const base = { sql: parts.length ? parts.map((p) => p.sql).join(' OR ') : '1 = 0', params: parts.flatMap((p) => p.params) };
    const out = new Map<string, number>();
    const add = (rows: { area: string; n: number }[]) => rows.forEach((r) => out.set(r.area, (out.get(r.area) ?? 0) + Number(r.n)));
    add(await this.db.all(`SELECT p.area AS area, COUNT(*) AS n FROM people p WHERE ${base.sql} GROUP BY p.area`, ...base.params));
    for (const c of chunks(reach.locatedIds))
      add(await this.db.all(
        `SELECT p.area AS area, COUNT(*) AS n FROM people p WHERE p.id IN (${placeholders(c.length)})${roles.sql} AND NOT (${base.sql}) GROUP BY p.area`,
        ...c, ...roles.params, ...base.params,
      ));
    return out;
  }

  /** Orders with deliveries not yet final, by priority and whether they ask for an answer (metrics). */
  async openSummary(): Promise<{ priority: string; ackRequired: boolean; orders: number; open: number; oldestCreatedAt: number }[]> {
    const rows = await this.db.all<{ priority: string; ack_required: number; orders: number; open: number; oldest: number }>(
      'SELECT priority, ack_required, COUNT(*) AS orders, SUM(open_count) AS open, MIN(created_at) AS oldest FROM orders WHERE open_count > 0 GROUP BY priority, ack_required',
    );
    return rows.map((r) => ({ priority: r.priority, ackRequired: Number(r.ack_required) === 1, orders: Number(r.orders), open: Number(r.open), oldestCreatedAt: Number(r.oldest) }));
  }

  async setSeq(id: string, seq: number): Promise<void> {
    await this.db.run('UPDATE orders SET seq = ? WHERE id = ?', seq, id);
  }

  async closeDeliveries(id: string, n: number): Promise<void> {
    await this.db.run('UPDATE orders SET open_count = open_count - ? WHERE id = ?', n, id);
  }

  /** Cancelled orders with deliveries still open. */
  async cancelledWithOpen(): Promise<string[]> {
    return (await this.db.all<{ id: string }>('SELECT id FROM orders WHERE cancelled = 1 AND open_count > 0 ORDER BY id')).map((r) => r.id);
  }

  async markCancelled(id: string): Promise<void> {
    await this.db.run('UPDATE orders SET cancelled = 1 WHERE id = ?', id);
  }

  /** Ids of the orders created in [from, to), oldest first: GB/T 35965.1 numbers those of one second. */
  async createdBetween(from: number, to: number): Promise<{ id: string; createdAt: number }[]> {
    const rows = await this.db.all<{ id: string; created_at: number }>('SELECT id, created_at FROM orders WHERE created_at >= ? AND created_at < ? ORDER BY created_at, seq', from, to);
    return rows.map((r) => ({ id: r.id, createdAt: Number(r.created_at) }));
  }

  async refInUse(ref: string): Promise<boolean> {
    return (await this.openByRef(ref)) !== undefined;
  }
}
