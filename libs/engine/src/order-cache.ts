import type { Priority } from '@lifeline/domain';
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
  private readonly byId = new Map<string, OrderInfo>();

  /** The order if it is in memory: most steps find it here, without waiting for anything. */
  peek(id: string): OrderInfo | undefined {
    return this.byId.get(id);
  }

  /** The order was cancelled (committed): what is in memory says so from now on. */
  cancelled(id: string): void {
    const o = this.byId.get(id);
    if (o) this.byId.set(id, { ...o, cancelled: true });
  }

  /** The order, from memory or read through `repos` (inside a job: the job's transaction). */
  async get(id: string, repos: Repositories): Promise<OrderInfo | undefined> {
    let o = this.byId.get(id);
    if (!o) {
      const row = await repos.orders.get(id);
      if (!row) return undefined;
      o = toOrderInfo(row);
      if (this.byId.size > 10_000) this.byId.clear();
      this.byId.set(id, o);
    }
    return o;
  }
}
