import type { SqlRunner } from './sql';

export type AlertFormat = 'cap' | 'gbt35965';

export interface AlertRow {
  sender: string;
  identifier: string;
  format: AlertFormat;
  sent: string;
  msgType: string;
  receivedAt: number;
  consoleId: string;
  sha256: string;
  xml: string;
  /** The answer given when the alert was received, as JSON: a repeat gets it again. */
  receipt: string;
}

/** Which info and area of which alert an order was made from. */
export interface AlertLink {
  orderId: string;
  sender: string;
  identifier: string;
  info: number;
  area: number;
}

/** Alerts received in CAP and the orders each made (see the `alerts` migration). */
export class AlertRepo {
  constructor(private readonly db: SqlRunner) {}

  /** The alert as `consoleId` posted it. */
  async get(sender: string, identifier: string, consoleId: string): Promise<AlertRow | undefined> {
    const r = await this.db.get<{ sender: string; identifier: string; format: AlertFormat; sent: string; msg_type: string; received_at: number; console_id: string; sha256: string; xml: string; receipt: string }>(
      `SELECT sender, identifier, format, sent, msg_type, received_at, console_id, sha256, xml, receipt FROM alerts
        WHERE sender = ? AND identifier = ? AND console_id = ?`,
      sender, identifier, consoleId,
    );
    return r && { sender: r.sender, identifier: r.identifier, format: r.format, sent: r.sent, msgType: r.msg_type, receivedAt: Number(r.received_at), consoleId: r.console_id, sha256: r.sha256, xml: r.xml, receipt: r.receipt };
  }

  async insert(a: AlertRow, links: readonly AlertLink[]): Promise<void> {
    await this.db.run(
      'INSERT INTO alerts (sender, identifier, format, sent, msg_type, received_at, console_id, sha256, xml, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      a.sender, a.identifier, a.format, a.sent, a.msgType, a.receivedAt, a.consoleId, a.sha256, a.xml, a.receipt,
    );
    for (const l of links)
      await this.db.run('INSERT INTO alert_orders (order_id, sender, identifier, info, area) VALUES (?, ?, ?, ?, ?)', l.orderId, l.sender, l.identifier, l.info, l.area);
  }

  async orderIds(sender: string, identifier: string): Promise<string[]> {
    return (await this.db.all<{ order_id: string }>('SELECT order_id FROM alert_orders WHERE sender = ? AND identifier = ? ORDER BY order_id', sender, identifier)).map((r) => r.order_id);
  }

  /** The alert an order was made from, if any. */
  async ofOrder(orderId: string): Promise<(AlertLink & { sent: string; msgType: string }) | undefined> {
    const r = await this.db.get<{ order_id: string; sender: string; identifier: string; info: number; area: number; sent: string; msg_type: string }>(
      `SELECT l.order_id, l.sender, l.identifier, l.info, l.area, a.sent, a.msg_type FROM alert_orders l
         JOIN orders o ON o.id = l.order_id
         JOIN alerts a ON a.sender = l.sender AND a.identifier = l.identifier AND a.console_id = o.console_id
        WHERE l.order_id = ?`,
      orderId,
    );
    return r && { orderId: r.order_id, sender: r.sender, identifier: r.identifier, info: Number(r.info), area: Number(r.area), sent: r.sent, msgType: r.msg_type };
  }
}
