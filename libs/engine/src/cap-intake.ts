import { createHash } from 'node:crypto';
import { CapInvalid, planOrders, readCap, readGbt, XmlRefused, type CapAlert, type CapPolicy, type CapSkip, type GbtPolicy } from '@lifeline/cap';
import type { Clock } from '@lifeline/clock';
import type { AreaTree } from '@lifeline/domain';
import type { AlertFormat, AlertLink, AlertRow, Storage } from '@lifeline/store';
import { RequestError } from './request-error';
import type { Orders } from './orders';
import { audit, inScope, type Principal } from './principal';

/** What a received alert did: the orders it made, the ones it cancelled, what it could not target. */
export interface CapReceipt {
  alert: { sender: string; identifier: string; sent: string; msgType: string };
  orders: { orderId: string; ref: string; deliveries: number; info: number; area: number; areaDesc: string }[];
  cancelled: { orderId: string; cancelled: number }[];
  skipped: CapSkip[];
  /** Referenced alerts this router never received (an update of those still makes its orders). */
  unknownReferences: string[];
  replayed: boolean;
}

/** Reads an alert document of a format into the one alert model. */
export function readAlert(format: AlertFormat, xml: string, gbt: GbtPolicy): CapAlert {
  return asRequestError(() => (format === 'cap' ? readCap(xml) : readGbt(xml, gbt)));
}

/**
 * Alerts in CAP 1.2 or GB/T 35965.1 from other systems (meteorological, hydrological, the
 * national release system) become orders: each info in the preferred language crossed with each of its areas.
 * `Update` supersedes the orders of the alerts it references (their people who answered are not
 * asked again), `Cancel` cancels them. The same sender and identifier again is answered as the
 * first time and changes nothing. Each order commits on its own before the answer; a retry after
 * a crash part-way finds the committed ones by their clientRef and makes the rest.
 */
export class CapIntake {
  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly tree: AreaTree,
    private readonly orders: Orders,
    private readonly policy: CapPolicy,
    private readonly gbt: GbtPolicy,
  ) {}

  /** An alert document in, as CAP 1.2 (`cap`) or GB/T 35965.1 (`gbt35965`). */
  async receive(p: Principal, xml: string, format: AlertFormat = 'cap'): Promise<CapReceipt> {
    const alert = readAlert(format, xml, this.gbt);
    if (alert.status !== 'Actual')
      throw new RequestError('invalid', `only Actual alerts become orders, this one is ${alert.status}`, [{ path: 'alert.status', message: `expected Actual, got ${alert.status}`, code: 'invalid' }]);
    if (alert.msgType === 'Ack' || alert.msgType === 'Error')
      throw new RequestError('invalid', `an ${alert.msgType} message asks nothing of people`, [{ path: 'alert.msgType', message: 'expected Alert, Update or Cancel', code: 'invalid' }]);
    const sha256 = createHash('sha256').update(xml).digest('hex');
    // Idempotent per token: another desk posting the same alert gets orders of its own, in its areas.
    const replay = (seen: AlertRow): CapReceipt => {
      if (seen.sha256 !== sha256) throw new RequestError('conflict', `alert ${alert.sender} ${alert.identifier} was received before with different content`);
      return { ...(JSON.parse(seen.receipt) as CapReceipt), replayed: true };
    };
    const seen = await this.store.read.alerts.get(alert.sender, alert.identifier, p.id);
    if (seen) return replay(seen);
    const referenced: string[] = [];
    /** Also the orders a referenced alert itself ended: an update that reached nobody (all had answered) keeps the chain. */
    const supersedes = new Set<string>();
    const unknownReferences: string[] = [];
    for (const r of alert.references) {
      // Only what this token may see: another desk's orders are neither cancelled, superseded nor
      // named here, and whether another desk received an alert is not revealed.
      const ids = await this.visible(p, await this.store.read.alerts.orderIds(r.sender, r.identifier));
      const row = await this.store.read.alerts.get(r.sender, r.identifier, p.id);
      if (!ids.length && !row) unknownReferences.push(`${r.sender},${r.identifier},${r.sent}`);
      referenced.push(...ids);
      for (const id of [...ids, ...(row ? (JSON.parse(row.receipt) as CapReceipt).cancelled.map((c) => c.orderId) : [])]) supersedes.add(id);
    }
    // A Cancel stops the warning, not one message of it: the updates that carried a referenced
    // alert on are cancelled too (a sender's Cancel may name only the first alert).
    if (alert.msgType === 'Cancel') for (const id of await this.visible(p, await this.store.read.orders.supersedersOf(referenced))) if (!referenced.includes(id)) referenced.push(id);
    const receipt: CapReceipt = { alert: { sender: alert.sender, identifier: alert.identifier, sent: alert.sent, msgType: alert.msgType }, orders: [], cancelled: [], skipped: [], unknownReferences, replayed: false };
    const links: AlertLink[] = [];
    if (alert.msgType !== 'Cancel') await this.makeOrders(p, alert, [...supersedes], receipt, links);
    // After the new orders committed: a crash in between leaves the old ones running, never none.
    for (const orderId of referenced) receipt.cancelled.push({ orderId, cancelled: await this.orders.cancel(p, orderId) }); // visible ones only (above)
    const first = await this.store.write(async (tx) => {
      // The same alert posted twice at once by one token: the orders are one set (their clientRefs
      // are the alert's), and the second to commit answers as a repeat.
      const already = await tx.alerts.get(alert.sender, alert.identifier, p.id);
      if (already) return already;
      await tx.alerts.insert({ ...receipt.alert, format, receivedAt: this.clock.now(), consoleId: p.id, sha256, xml, receipt: JSON.stringify(receipt) }, links);
      await audit(tx, p, this.clock.now(), 'cap.receive', `${alert.sender} ${alert.identifier}`, { msgType: alert.msgType, orders: receipt.orders.map((o) => o.orderId), cancelled: referenced });
      return null;
    });
    return first ? replay(first) : receipt;
  }

  private async makeOrders(p: Principal, alert: CapAlert, supersedes: string[], receipt: CapReceipt, links: AlertLink[]): Promise<void> {
    const { plans, skipped } = asRequestError(() => planOrders(alert, this.policy, this.clock.now()));
    receipt.skipped.push(...skipped);
    const key = createHash('sha256').update(`${alert.sender}\n${alert.identifier}`).digest('hex').slice(0, 40);
    for (const plan of plans) {
      // Codes outside the directory or the token's areas are left out alike: a national alert
      // names more of the country than one router serves, and a refusal must not reveal what exists.
      const areas = (plan.spec.to.areas ?? []).filter((a) => this.tree.has(a) && inScope(p, this.tree, a));
      const to = { ...plan.spec.to, areas: areas.length ? areas : undefined };
      if (!areas.length && !to.polygons && !to.circles) {
        receipt.skipped.push({ info: plan.info, area: plan.area, reason: 'none of its geocodes is an area of this directory within this token\'s areas' });
        continue;
      }
      try {
        const a = await this.orders.accept(p, `cap:${key}:${plan.info}:${plan.area}`, { ...plan.spec, to }, { supersedes });
        receipt.orders.push({ orderId: a.orderId, ref: a.ref, deliveries: a.deliveries, info: plan.info, area: plan.area, areaDesc: plan.areaDesc });
        links.push({ orderId: a.orderId, sender: alert.sender, identifier: alert.identifier, info: plan.info, area: plan.area });
      } catch (e) {
        if (!(e instanceof RequestError) || e.code !== 'no_recipients') throw e;
        receipt.skipped.push({ info: plan.info, area: plan.area, reason: 'it reaches nobody in this directory' });
      }
    }
    // An Update that reaches nobody now (its infos expired early, its area moved away) still ends
    // the orders it updates, as a Cancel would: left running, they would go on asking for answers.
    if (!receipt.orders.length && !supersedes.length)
      throw new RequestError('no_recipients', 'the alert reaches nobody here: ' + receipt.skipped.map((s) => `info ${s.info}${s.area === null ? '' : ` area ${s.area}`}: ${s.reason}`).join('; '),
        receipt.skipped.map((s) => ({ path: `alert.info.${s.info}${s.area === null ? '' : `.area.${s.area}`}`, message: s.reason, code: 'no_recipients' })));
  }

  private async visible(p: Principal, orderIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    // Only "not found" means not visible: a failed read is the request's failure, not a reason
    // to leave an order running that the alert cancels.
    const notFound = (e: unknown) => (e instanceof RequestError && e.code === 'not_found' ? false : Promise.reject(e));
    for (const id of orderIds) if (await this.orders.checkVisible(p, id).then(() => true, notFound)) out.push(id);
    return out;
  }
}

/** The codec's refusals as the router's: `invalid`, each issue naming its element. */
function asRequestError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof CapInvalid) throw new RequestError('invalid', `not a valid alert: ${e.message}`, e.issues.map((i) => ({ ...i, code: 'invalid' })));
    if (e instanceof XmlRefused) throw new RequestError('invalid', `the XML is refused: ${e.message}`, [{ path: '(body)', message: e.message, code: 'invalid' }]);
    throw e;
  }
}
