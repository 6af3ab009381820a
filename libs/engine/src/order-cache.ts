import type { Priority } from '@lifeline/domain';
import type { OrderRow, Store } from '@lifeline/store';

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
  };
}

/** Orders are few and immutable once accepted, so the engine keeps them at hand. */
export class OrderCache {
  private readonly byId = new Map<string, OrderInfo>();

  constructor(private readonly store: Store) {}

  get(id: string): OrderInfo | undefined {
    let o = this.byId.get(id);
    if (!o) {
      const row = this.store.orders.get(id);
      if (!row) return undefined;
      o = toOrderInfo(row);
      if (this.byId.size > 10_000) this.byId.clear();
      this.byId.set(id, o);
    }
    return o;
  }
}
