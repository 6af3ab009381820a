import { BoundedMap, type Priority } from '@lifeline/domain';
import type { OrderRow, Repositories } from '@lifeline/store';

export interface OrderInfo {
  id: string;
  ref: string;
  priority: Priority;
  priorityRank: number;
  body: string;
  summary: string | null;
  ackRequired: boolean;
  ackWithinMs: number;
  expiresAt: number;
  /** Cancelled: whatever happens to one of its deliveries now ends it as cancelled. */
  cancelled: boolean;
}

export function toOrderInfo(r: OrderRow): OrderInfo {
  return {
    id: r.id,
    ref: r.ref,
    priority: r.priority,
    priorityRank: Number(r.priority_rank),
    body: r.body,
    summary: r.summary,
    ackRequired: Boolean(r.ack_required),
    ackWithinMs: Number(r.ack_within_s) * 1000,
    expiresAt: Number(r.expires_at),
    cancelled: Boolean(Number(r.cancelled)),
  };
}

/** Orders are few and, but for a cancel, immutable once accepted: the engine keeps them at hand. */
export class OrderCache {
  /** Up to ten thousand orders, the first read dropped first; a dropped one is read again from its row when needed. */
  private readonly byId = new BoundedMap<string, OrderInfo>(10_000);
  /**
   * Orders cancelled since start, kept apart from the bounded map: the dispatcher asks `isCancelled`
   * without reading rows, so a cancel must not be forgotten when the map drops its order.
   * (A cancel before a restart is in the row, and the resume's cancel walk ends those deliveries.)
   */
  private readonly cancelledIds = new Set<string>();

  /** The order if it is in memory: most steps find it here, without waiting for anything. */
  peek(id: string): OrderInfo | undefined {
    return this.byId.get(id);
  }

  /** The order was cancelled (committed): what is in memory says so from now on. */
  cancelled(id: string): void {
    this.cancelledIds.add(id);
    const o = this.byId.get(id);
    if (o) this.byId.set(id, { ...o, cancelled: true });
  }

  /**
   * Forgets the orders read so far (not the cancels: those are facts): another node's word on
   * which orders were cancelled starts over, and what was read before may be stale.
   */
  clear(): void {
    this.byId.clear();
  }

  /** Whether the order is known to be cancelled, without reading anything. */
  isCancelled(id: string): boolean {
    return this.cancelledIds.has(id) || this.byId.get(id)?.cancelled === true;
  }

  /** The order, from memory or read through `repos` (inside a job: the job's transaction). */
  async get(id: string, repos: Repositories): Promise<OrderInfo | undefined> {
    let o = this.byId.get(id);
    if (!o) {
      const row = await repos.orders.get(id);
      if (!row) return undefined;
      o = toOrderInfo(row);
      // Read before a cancel committed, the row says "not cancelled": what is known wins.
      if (this.cancelledIds.has(id)) o.cancelled = true;
      this.byId.set(id, o);
    }
    return o;
  }
}
