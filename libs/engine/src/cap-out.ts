import { BEIJING_OFFSET_MIN, capTime, gbtIdentifier, orderToCap, writeAtomFeed, writeCap, writeGbt, type CapIssuer, type GbtPolicy, type OrderForCap } from '@lifeline/cap';
import type { AreaTree, OrderTarget, Priority } from '@lifeline/domain';
import type { OrderRow, Storage } from '@lifeline/store';
import { readAlert } from './cap-intake';
import type { Orders } from './orders';
import { scopePaths, type Principal } from './principal';

/** Who Lifeline is in GB/T 35965.1: its 14-digit issuer code, and how event types map. */
export interface GbtIssuer extends GbtPolicy {
  senderCode: string;
}

/** Orders out as CAP 1.2 and GB/T 35965.1: one order as an alert, and the feed of those still active. */
export class CapOut {
  constructor(
    private readonly store: Storage,
    private readonly tree: AreaTree,
    private readonly orders: Orders,
    private readonly issuer: CapIssuer,
    private readonly gbt: GbtIssuer,
  ) {}

  /** The order as a CAP 1.2 document; `not_found` outside the principal's areas, as everywhere. */
  async order(p: Principal, orderId: string): Promise<string> {
    const row = await this.orders.checkVisible(p, orderId);
    return writeCap(orderToCap(await this.forCap(row), this.issuer));
  }

  /**
   * The order as a GB/T 35965.1 warning from this router's issuer code (a cancelled one as its
   * Cancel), numbered by the standard's rule: the entry second in Beijing time and a digit for
   * the message's place among those this router made in that second (orders and cancellations).
   */
  async gbtOrder(p: Principal, orderId: string): Promise<string> {
    const row = await this.orders.checkVisible(p, orderId);
    const alert = orderToCap(await this.forCap(row), { ...this.issuer, sender: this.gbt.senderCode, utcOffsetMin: BEIJING_OFFSET_MIN });
    const created = Number(row.created_at);
    const identifier = gbtIdentifier(this.gbt.senderCode, created, await this.placeInSecond(created, `order ${row.id}`));
    if (alert.msgType !== 'Cancel') return writeGbt({ ...alert, identifier, source: this.issuer.senderName }, this.gbt);
    const [cancel] = await this.store.read.audit.page({ limit: 1, order: 'asc', action: 'order.cancel', subject: row.id });
    const at = cancel?.at ?? created;
    const cancelId = gbtIdentifier(this.gbt.senderCode, at, await this.placeInSecond(at, `cancel ${row.id}`));
    const sent = alert.references[0].sent;
    return writeGbt({ ...alert, identifier: cancelId, sent: gbtTime(at), source: this.issuer.senderName, references: [{ sender: this.gbt.senderCode, identifier, sent }] }, this.gbt);
  }

  /** Which of the messages this router made in the second of `at` this one is (0-9). */
  private async placeInSecond(at: number, key: string): Promise<number> {
    const second = Math.floor(at / 1000) * 1000;
    const orders = (await this.store.read.orders.idsCreatedBetween(second, second + 1000)).map((id) => `order ${id}`);
    const cancels = (await this.store.read.audit.page({ limit: 1000, order: 'asc', action: 'order.cancel', from: second, to: second + 999 })).map((e) => `cancel ${e.subject}`);
    return Math.max(0, [...orders, ...cancels].indexOf(key));
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
      ...(link && received ? { source: { alert: readAlert(received.format, received.xml, this.gbt), info: link.info, area: link.area } } : {}),
    };
  }
}

const gbtTime = (ms: number) => capTime(ms, BEIJING_OFFSET_MIN);
