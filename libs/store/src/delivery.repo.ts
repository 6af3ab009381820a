import { PRIORITIES, type MatchKind, type Terminals } from '@lifeline/domain';
import { contractStatus, isFinalValue, NOT_STARTED, OPEN_STORED_STATUSES, OUT_STATUSES, type StoredDelivery } from '@lifeline/machines';
import { chunkOf, chunks, containsText, inPartitions, isIn, placeholders, subtreeRange, typed, type DeliveryChange, type Param, type Scalar, type SqlRunner } from './sql';

export interface DeliveryRow {
  id: string;
  order_id: string;
  person_id: string;
  area: string;
  area_path: string;
  terminals: string;
  priority_rank: number;
  expires_at: number;
  status: string;
  machine: string | null;
  channel: string | null;
  attempt: number;
  updated_at: number;
  matched: MatchKind | null;
}

export interface Delivery {
  id: string;
  orderId: string;
  personId: string;
  area: string;
  areaPath: string;
  terminals: Terminals;
  priorityRank: number;
  expiresAt: number;
  status: string;
  machine: StoredDelivery | null;
  channel: string | null;
  attempt: number;
  /** How the order reached the person (null for orders stored before this was kept). */
  matched: MatchKind | null;
}

const COLUMNS = 'id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, machine, channel, attempt, updated_at, matched';

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    orderId: r.order_id,
    personId: r.person_id,
    area: r.area,
    areaPath: r.area_path,
    terminals: JSON.parse(r.terminals) as Terminals,
    priorityRank: r.priority_rank,
    expiresAt: r.expires_at,
    status: r.status,
    machine: r.machine ? (JSON.parse(r.machine) as StoredDelivery) : null,
    channel: r.channel,
    attempt: r.attempt,
    matched: r.matched,
  };
}

/** Where a page of an order's deliveries starts: after the cursor, never before the order's range. */
function orderRangeStart(orderId: string, afterId: string): string {
  const start = `${orderId}:`;
  return afterId > start ? afterId : start;
}

/** Open statuses of a delivery that has started (an answer may come for it). */
const STARTED_OPEN = OPEN_STORED_STATUSES.filter((s) => s !== NOT_STARTED);
/**
 * `status = 'new'` inlined as a literal, not a parameter: only then can SQLite use the partial
 * index of unstarted deliveries (its WHERE must be implied by the query's).
 */
const IS_NEW = `status = '${NOT_STARTED}'`;
/** The status in `column` as the contract shows it: a delivery not started yet is waiting, `queued`. */
const contractStatusOf = (column: string) => `CASE WHEN ${column} = '${NOT_STARTED}' THEN 'queued' ELSE ${column} END`;
const CONTRACT_STATUS = contractStatusOf('status');
/** The same, of the deliveries table under the alias `d` (in a join with people). */
const D_CONTRACT_STATUS = contractStatusOf('d.status');
const D_COLUMNS = COLUMNS.split(', ').map((c) => `d.${c}`).join(', ');

/** Which of an order's deliveries a console asks for; every field narrows. */
export interface DeliveryFilter {
  /** Statuses as the contract names them (`queued` includes deliveries not started yet). */
  statuses?: readonly string[];
  channel?: string;
  /** An area's path: deliveries of people in it and below it. */
  areaPath?: string;
  /** Text in the person's name or id. */
  text?: string;
}

/** A delivery with its person's name, for the order view. */
export type NamedDelivery = Delivery & { name: string | null };
/** The columns of `saveMany`'s VALUES list: id, status, machine, channel, attempt, final. */
function saved(d: Delivery): DeliveryChange {
  return [d.id, d.status, JSON.stringify(d.machine), d.channel, d.attempt, d.machine && isFinalValue(d.machine.value) ? 1 : 0];
}

export class DeliveryRepo {
  constructor(private readonly db: SqlRunner) {}

  async load(ids: readonly string[]): Promise<Map<string, Delivery>> {
    const out = new Map<string, Delivery>();
    for (const c of chunks([...new Set(ids)], chunkOf(this.db))) {
      const id = isIn(this.db, 'id', c);
      for (const r of await this.db.all<DeliveryRow>(`SELECT ${COLUMNS} FROM deliveries WHERE ${id.sql}`, ...id.params)) out.set(r.id, toDelivery(r));
    }
    return out;
  }

  /** Stores the deliveries' status and machine: the writer's largest statement, in the dialect's best form. */
  async saveMany(ds: readonly Delivery[], now: number): Promise<void> {
    if (ds.length) await this.db.dialect.saveDeliveries(this.db, ds.map(saved), now);
  }

  /** The next deliveries to start, highest priority first. */
  /** Unstarted deliveries, of `partitions` (null: all), highest priority first. */
  nextNew(limit: number, partitions: readonly number[] | null = null): Promise<string[]> {
    const p = inPartitions(this.db, partitions);
    return this.newByRank(p.sql, p.params, limit);
  }

  /** Unstarted deliveries past their deadline: they must still end, as expired. */
  expiredNew(now: number, limit: number, partitions: readonly number[] | null = null): Promise<string[]> {
    const p = inPartitions(this.db, partitions);
    return this.newByRank(` AND expires_at <= ?${p.sql}`, [now, ...p.params], limit);
  }

  /**
   * New deliveries, highest priority first, asked rank by rank: each query is then an equality
   * range of the partial index of `new` deliveries (one ORDER BY across ranks led SQLite to the
   * status index and a sort of every new delivery).
   */
  private async newByRank(condition: string, params: Param[], limit: number): Promise<string[]> {
    const out: string[] = [];
    for (let rank = 0; rank < PRIORITIES.length && out.length < limit; rank++)
      for (const r of await this.db.all<{ id: string }>(`SELECT id FROM deliveries WHERE ${IS_NEW} AND priority_rank = ?${condition} LIMIT ?`, rank, ...params, limit - out.length))
        out.push(r.id);
    return out;
  }

  /** The earliest deadline among unstarted deliveries, rank by rank from the partial index. */
  async nextNewExpiry(partitions: readonly number[] | null = null): Promise<number | null> {
    let next: number | null = null;
    const p = inPartitions(this.db, partitions);
    for (let rank = 0; rank < PRIORITIES.length; rank++) {
      const at = (await this.db.get<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM deliveries WHERE ${IS_NEW} AND priority_rank = ?${p.sql}`, rank, ...p.params))?.at;
      if (at !== null && at !== undefined && (next === null || Number(at) < next)) next = Number(at);
    }
    return next;
  }

  async countByStatus(status: string): Promise<number> {
    return Number((await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE status = ?', status))!.n);
  }

  /** A page of deliveries in `statuses` below `path`, after the cursor (area_path, id). */
  inSubtree(
    statuses: readonly string[],
    path: string,
    after: { areaPath: string; id: string } | null,
    limit: number,
    channel?: string,
  ): Promise<{ id: string; area_path: string }[]> {
    const [lo, hi] = subtreeRange(path);
    const cursor = after ? ' AND (area_path > ? OR (area_path = ? AND id > ?))' : '';
    const ch = channel ? ' AND channel = ?' : '';
    return this.db.all<{ id: string; area_path: string }>(
      `SELECT id, area_path FROM deliveries WHERE status IN (${placeholders(statuses.length)}) AND area_path >= ? AND area_path < ?${cursor}${ch} ORDER BY area_path, id LIMIT ?`,
      ...statuses, lo, hi, ...(after ? [after.areaPath, after.areaPath, after.id] : []), ...(channel ? [channel] : []), limit,
    );
  }

  /**
   * Deliveries with an attempt in flight at a crash (`sending`, or `sent` and awaiting its
   * receipt): their attempt is sent again with the same id, and gateways answer or dedupe.
   */
  async inFlightAfter(afterId: string, limit: number, partitions: readonly number[] | null = null): Promise<Delivery[]> {
    const p = inPartitions(this.db, partitions);
    const rows = await this.db.all<DeliveryRow>(
      `SELECT ${COLUMNS} FROM deliveries WHERE status IN (${placeholders(OUT_STATUSES.length)}) AND id > ?${p.sql} ORDER BY id LIMIT ?`,
      ...OUT_STATUSES, afterId, ...p.params, limit,
    );
    return rows.map(toDelivery);
  }

  /** A person's started deliveries still open, those of the most recent order first: for a bare "1" that names no order. */
  async openFor(personId: string, limit: number): Promise<Delivery[]> {
    // By the order's time, not the delivery's last change: a timer or a fallback of an older
    // order's delivery does not make it the one a bare answer is about.
    const rows = await this.db.all<DeliveryRow>(
      `SELECT ${D_COLUMNS} FROM deliveries d JOIN orders o ON o.id = d.order_id
        WHERE d.person_id = ? AND d.status IN (${placeholders(STARTED_OPEN.length)}) AND d.final_at IS NULL ORDER BY o.created_at DESC, d.id DESC LIMIT ?`,
      personId, ...STARTED_OPEN, limit,
    );
    return rows.map(toDelivery);
  }

  async ofOrder(orderId: string, limit = 10_000, afterId = ''): Promise<Delivery[]> {
    // Ids are `<orderId>:<personId>`: the order's deliveries are a primary-key range, and a cursor
    // is clamped into it, so no cursor walks into another order's deliveries.
    const from = orderRangeStart(orderId, afterId);
    const rows = await this.db.all<DeliveryRow>(`SELECT ${COLUMNS} FROM deliveries WHERE id > ? AND id < ? ORDER BY id LIMIT ?`, from, `${orderId};`, limit);
    return rows.map(toDelivery);
  }

  /**
   * A page of the order's deliveries that pass `filter`, with each person's name: the order
   * view's table. The order's primary-key range is scanned, so the page costs what it reads.
   */
  async page(orderId: string, filter: DeliveryFilter, limit: number, afterId = ''): Promise<NamedDelivery[]> {
    const where: string[] = [];
    const params: Param[] = [orderRangeStart(orderId, afterId), `${orderId};`];
    if (filter.statuses?.length) {
      where.push(`${D_CONTRACT_STATUS} IN (${placeholders(filter.statuses.length)})`);
      params.push(...filter.statuses);
    }
    if (filter.channel !== undefined) {
      where.push('d.channel = ?');
      params.push(filter.channel);
    }
    if (filter.areaPath !== undefined) {
      where.push('d.area_path >= ? AND d.area_path < ?');
      params.push(...subtreeRange(filter.areaPath));
    }
    const text = containsText(['p.name', 'd.person_id'], filter.text);
    const rows = await this.db.all<DeliveryRow & { person_name: string | null }>(
      `SELECT ${D_COLUMNS}, p.name AS person_name FROM deliveries d LEFT JOIN people p ON p.id = d.person_id
       WHERE d.id > ? AND d.id < ?${where.map((w) => ` AND ${w}`).join('')}${text.sql} ORDER BY d.id LIMIT ?`,
      ...params, ...text.params, limit,
    );
    return rows.map((r) => ({ ...toDelivery(r), name: r.person_name }));
  }

  /**
   * The order's deliveries counted by area and contract status: a map's shading. From the index of
   * deliveries by order, status and area alone (the rows themselves are ten times its size).
   */
  async countsByArea(orderId: string): Promise<{ area: string; status: string; n: number }[]> {
    const rows = await this.db.all<{ area: string; status: string; n: number }>(
      'SELECT area, status, COUNT(*) AS n FROM deliveries WHERE order_id = ? GROUP BY area, status',
      orderId,
    );
    const out = new Map<string, { area: string; status: string; n: number }>();
    for (const r of rows) {
      const status = contractStatus(r.status);
      const key = `${r.area}\n${status}`;
      const seen = out.get(key);
      if (seen) seen.n += Number(r.n);
      else out.set(key, { area: r.area, status, n: Number(r.n) });
    }
    return [...out.values()];
  }

  /**
   * A page of the order's open deliveries. It scans the order's primary-key range and filters
   * status here: with `status IN (...)` in SQL, SQLite picked the status index and walked every
   * open delivery of every order (19 ms per flash order during a 100,000-person order).
   * `last` is where the next page starts; null when the order has no more rows.
   */
  async openIdsOfOrder(orderId: string, afterId: string, limit: number): Promise<{ ids: string[]; last: string | null }> {
    const rows = await this.db.all<{ id: string; final_at: number | null }>(
      'SELECT id, final_at FROM deliveries WHERE id > ? AND id < ? ORDER BY id LIMIT ?',
      orderRangeStart(orderId, afterId), `${orderId};`, limit,
    );
    return {
      ids: rows.filter((r) => r.final_at === null).map((r) => r.id),
      last: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }

  /** People waiting for any channel, per area: where a relay would help. */
  async queuedByArea(): Promise<{ area: string; n: number; rank: number }[]> {
    const rows = await this.db.all<{ area: string; n: number; rank: number }>(
      "SELECT area, COUNT(*) AS n, MIN(priority_rank) AS rank FROM deliveries WHERE status = 'queued' GROUP BY area",
    );
    return rows.map((r) => ({ area: r.area, n: Number(r.n), rank: Number(r.rank) }));
  }

  /** Open deliveries counted by contract status and channel (metrics). */
  async openCounts(): Promise<{ status: string; channel: string | null; n: number }[]> {
    const rows = await this.db.all<{ status: string; channel: string | null; n: number }>(
      `SELECT ${CONTRACT_STATUS} AS status, channel, COUNT(*) AS n FROM deliveries WHERE status IN (${placeholders(OPEN_STORED_STATUSES.length)}) AND final_at IS NULL GROUP BY 1, channel`,
      ...OPEN_STORED_STATUSES,
    );
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /**
   * Deliveries counted by contract status, of one order or of all. An order's come from the index
   * of deliveries by order and status alone: the order board asks with every page it shows.
   */
  async countsByStatus(orderId?: string): Promise<Record<string, number>> {
    const rows = orderId
      ? await this.db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM deliveries WHERE order_id = ? GROUP BY status', orderId)
      : await this.db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status');
    const out: Record<string, number> = {};
    for (const r of rows) {
      const status = contractStatus(r.status);
      out[status] = (out[status] ?? 0) + Number(r.n);
    }
    return out;
  }
}
