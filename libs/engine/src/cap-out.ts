import { orderToCap, readCap, writeAtomFeed, writeCap, type CapIssuer, type OrderForCap } from '@lifeline/cap';
import type { AreaTree, OrderTarget, Priority } from '@lifeline/domain';
import type { OrderRow, Storage } from '@lifeline/store';
import type { OrderService } from './order-service';
import { scopePaths, type Principal } from './principal';

/** Orders out as CAP 1.2: one order as an alert, and the feed of those still active. */
export class CapOut {
  constructor(
    private readonly store: Storage,
    private readonly tree: AreaTree,
    private readonly orders: OrderService,
    private readonly issuer: CapIssuer,
  ) {}

  /** The order as a CAP 1.2 document; `not_found` outside the principal's areas, as everywhere. */
  async order(p: Principal, orderId: string): Promise<string> {
    const row = await this.orders.checkVisible(p, orderId);
    return writeCap(orderToCap(await this.forCap(row), this.issuer));
  }

  /** An Atom feed of the open, uncancelled orders within the principal's areas, newest first. */
  async feed(p: Principal, baseUrl: string): Promise<string> {
    const rows = (await this.store.read.orders.list('open', 500, scopePaths(p, this.tree))).filter((r) => !Number(r.cancelled));
    return writeAtomFeed({
      id: `urn:lifeline:feed:${this.issuer.sender}`,
      title: `${this.issuer.senderName}: active alerts`,
      author: this.issuer.senderName,
      selfUrl: `${baseUrl}/api/cap/feed`,
      updated: new Date(rows.length ? Number(rows[0].created_at) : 0).toISOString(),
      entries: rows.map((r) => ({
        id: `urn:lifeline:alert:${this.issuer.sender}:${r.id}`,
        title: r.summary ?? r.body.slice(0, 80),
        summary: r.body,
        updated: new Date(Number(r.created_at)).toISOString(),
        capUrl: `${baseUrl}/api/orders/${r.id}/cap`,
      })),
    });
  }

  private async forCap(row: OrderRow): Promise<OrderForCap> {
    const to = JSON.parse(row.target) as OrderTarget;
    const link = await this.store.read.alerts.ofOrder(row.id);
    const received = link && (await this.store.read.alerts.get(link.sender, link.identifier));
    return {
      id: row.id,
      ref: row.ref,
      priority: row.priority as Priority,
      to,
      body: row.body,
      summary: row.summary,
      ackRequired: Boolean(Number(row.ack_required)),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      cancelled: Boolean(Number(row.cancelled)),
      areaNames: Object.fromEntries((to.areas ?? []).map((a) => [a, this.tree.get(a)?.name ?? a])),
      ...(link && received ? { source: { alert: readCap(received.xml), info: link.info, area: link.area } } : {}),
    };
  }
}
