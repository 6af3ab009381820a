import { BEIJING_OFFSET_MIN, capTime, gbtIdentifier, gbtSlots, orderToCap, writeAtomFeed, writeCap, writeGbt, type CapIssuer, type GbtPolicy, type OrderForCap } from '@lifeline/cap';
import type { AreaTree, OrderTarget, Priority } from '@lifeline/domain';
import type { OrderRow, Storage } from '@lifeline/store';
import { readAlert } from './cap-intake';
import type { Orders } from './orders';
import { scopePaths, type Principal } from './principal';

/** How far back identifiers are counted from: a burst of more than ten a second for longer than this would drift. */
const LOOK_BACK_MS = 60_000;

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
    const identifier = await this.identifierOf(created, `order ${row.id}`);
    if (alert.msgType !== 'Cancel') return writeGbt({ ...alert, identifier, source: this.issuer.senderName }, this.gbt);
    const [cancel] = await this.store.read.audit.page({ limit: 1, order: 'asc', action: 'order.cancel', subject: row.id });
    const at = cancel?.at ?? created;
    const cancelId = await this.identifierOf(at, `cancel ${row.id}`);
    const sent = alert.references[0].sent;
    return writeGbt({ ...alert, identifier: cancelId, sent: gbtTime(at), source: this.issuer.senderName, references: [{ sender: this.gbt.senderCode, identifier, sent }] }, this.gbt);
  }

  /**
   * The identifier of the message `key` made at `at`: its place among the messages (orders and
   * cancellations) this router made since a minute before, by the standard's one digit a second
   * (gbtSlots: past ten in a second, the next second).
   */
  private async identifierOf(at: number, key: string): Promise<string> {
    const second = Math.floor(at / 1000) * 1000;
    const [from, to] = [second - LOOK_BACK_MS, second + 1000];
    const orders = (await this.store.read.orders.createdBetween(from, to)).map((o) => ({ key: `order ${o.id}`, at: o.createdAt, kind: 0 }));
    const cancels = (await this.store.read.audit.page({ limit: 10_000, order: 'asc', action: 'order.cancel', from, to: to - 1 })).map((e) => ({ key: `cancel ${e.subject}`, at: e.at, kind: 1 }));
    // Within a second, orders before cancellations, each in the order they were made (the sort is
    // stable: orders come in the order of their acceptance, cancellations of their audit rows).
    const inOrder = [...orders, ...cancels].sort((a, b) => Math.floor(a.at / 1000) - Math.floor(b.at / 1000) || a.kind - b.kind || a.at - b.at);
    const slot = gbtSlots(inOrder).get(key) ?? { second, sequence: 0 };
    return gbtIdentifier(this.gbt.senderCode, slot.second, slot.sequence);
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
    const received = link && (await this.store.read.alerts.get(link.sender, link.identifier, row.console_id));
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
