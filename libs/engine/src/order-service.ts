import type { Clock } from '@lifeline/clock';
import { randomBytes } from 'node:crypto';
import { makeRef, NOT_ANSWERED_STATUSES, NOT_REACHED_STATUSES, priorityRank, type AreaTree, type OrderSpec } from '@lifeline/domain';
import type { OrderReach, OrderRow, Storage } from '@lifeline/store';
import { Subject, type Observable } from 'rxjs';
import type { DeliveryEngine } from './delivery-engine';
import type { EventBus } from './event-bus';
import type { OrderTargets } from './order-targets';
import type { Accepted, AcceptOptions, Orders, ResendChanges, ResendPeople } from './orders';
import { RequestError } from './request-error';
import { audit, type Principal } from './principal';

function newOrderId(now: number): string {
  return `o-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

const secureRandom = () => randomBytes(4).readUInt32BE() / 2 ** 32;

const URGENT = new Set<OrderSpec['priority']>(['flash', 'immediate']);
const PAGE = 1_000;

/** An order stored: its deliveries wait for the starter, and expire at `expiresAt` if never started. */
export interface OrderStored {
  orderId: string;
  expiresAt: number;
}

/**
 * Orders in and out: accepting one (checked against the token's areas, stored with all its
 * deliveries in one transaction, small urgent ones started in that same commit) and cancelling
 * one. Both answer only after commit.
 */
export class OrderService implements Orders {
  private readonly storedSubject = new Subject<OrderStored>();
  /** Each new order, after commit: the starter starts its deliveries, the sweep minds their expiry. */
  readonly stored$: Observable<OrderStored> = this.storedSubject.asObservable();

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly tree: AreaTree,
    private readonly bus: EventBus,
    private readonly engine: DeliveryEngine,
    /** Orders up to this many deliveries, flash or immediate, start in the accepting transaction. */
    private readonly startBatch: number,
    private readonly who: OrderTargets,
  ) {}

  /**
   * Stores the order and all its deliveries in one transaction; resolves only after commit. The
   * same clientRef from the same console returns the first order and creates nothing.
   */
  async accept(p: Principal, clientRef: string, spec: OrderSpec, options: AcceptOptions = {}): Promise<Accepted> {
    const existing = await this.store.read.orders.byClientRef(p.id, clientRef);
    if (existing) return this.replay(existing);
    const { scope, reach } = await this.targets(p, spec.to);
    const scopePath = scope ? this.tree.path(scope) : null;
    return this.commit(p, clientRef, spec, scopePath, { ...reach, excludeAcknowledgedOf: options.supersedes }, { clientRef, priority: spec.priority, to: spec.to });
  }

  /**
   * A new order to the people of one of the token's orders who have not answered it (or whom it
   * has not reached): picked in the database, however many, within the first order's scope. Its
   * texts, priority and times are the first order's unless `changes` says otherwise; its `to`
   * describes the first order's targets. The same clientRef again returns the first resend.
   */
  async resend(p: Principal, orderId: string, clientRef: string, people: ResendPeople, changes: ResendChanges = {}): Promise<Accepted> {
    const existing = await this.store.read.orders.byClientRef(p.id, clientRef);
    if (existing) return this.replay(existing);
    const first = await this.checkVisible(p, orderId);
    const summary = changes.summary ?? first.summary ?? undefined;
    const spec: OrderSpec = {
      priority: changes.priority ?? first.priority,
      to: JSON.parse(first.target) as OrderSpec['to'],
      body: changes.body ?? first.body,
      ...(summary ? { summary } : {}),
      ackRequired: changes.ackRequired ?? Boolean(Number(first.ack_required)),
      ackWithinS: changes.ackWithinS ?? Number(first.ack_within_s),
      ttlS: changes.ttlS ?? Number(first.ttl_s),
    };
    if (spec.ackRequired && spec.ackWithinS > spec.ttlS)
      throw new RequestError('invalid', 'expected ackWithinS no longer than ttlS', [{ path: 'ackWithinS', message: `expected ackWithinS (${spec.ackWithinS}) no longer than ttlS (${spec.ttlS})`, code: 'invalid' }]);
    const statuses = people === 'notReached' ? NOT_REACHED_STATUSES : NOT_ANSWERED_STATUSES;
    const reach = { areaPaths: [], locatedIds: [], shapePaths: [], fromOrder: { orderId, statuses } };
    const scopePath = first.scope_path === '/' ? null : first.scope_path;
    return this.commit(p, clientRef, spec, scopePath, reach, { clientRef, priority: spec.priority, resendOf: orderId, people });
  }

  /**
   * Stores the order and all its deliveries in one transaction, audited; resolves only after
   * commit. `scopePath` is the common area of its targets (null: the whole tree).
   */
  private async commit(p: Principal, clientRef: string, spec: OrderSpec, scopePath: string | null, reach: OrderReach, detail: Record<string, unknown>): Promise<Accepted> {
    const now = this.clock.now();

    const result = await this.store.write(async (tx) => {
      const again = await tx.orders.byClientRef(p.id, clientRef); // a concurrent retry of the same clientRef
      if (again) return { kind: 'replay' as const, row: again };
      let ref = '';
      for (let i = 0; i < 60 && (!ref || (await tx.orders.refInUse(ref))); i++) ref = makeRef(secureRandom, 4 + Math.floor(i / 20));
      const id = newOrderId(now);
      const deliveries = await tx.orders.insert(
        { id, ref, consoleId: p.id, clientRef, spec, priorityRank: priorityRank(spec.priority), createdAt: now, expiresAt: now + spec.ttlS * 1000, scopePath: scopePath ?? '/' },
        reach,
        now,
      );
      // Rolls the whole order back: an order that reaches nobody is a mistake to report, not keep.
      if (deliveries === 0) throw new RequestError('no_recipients', 'the order reaches nobody: no person in these areas or fences (and roles)');
      await audit(tx, p, now, 'order.send', id, { ...detail, deliveries });
      // The seq last (but for a small urgent order's first steps, whose receipts follow it): from
      // here on, every other writer waits for this commit.
      const payload = { type: 'order.accepted', clientRef, orderId: id, ref, deliveries };
      const seq = await tx.events.append('order.accepted', now, id, scopePath, payload);
      await tx.orders.setSeq(id, seq);
      const accepted = { orderId: id, ref, deliveries, seq, replayed: false };
      // A small flash or immediate order starts in its own transaction: its first attempts leave
      // right after the commit that accepts it, ahead of everything queued.
      const startNow = URGENT.has(spec.priority) && deliveries <= this.startBatch;
      const started = startNow
        ? await this.engine.applyNow(tx, (await tx.deliveries.openIdsOfOrder(id, '', deliveries)).ids.map((d) => ({ deliveryId: d, event: { type: 'START' as const, at: now } })))
        : null;
      return { kind: 'new' as const, accepted, payload, started };
    }, URGENT.has(spec.priority));
    if (result.kind === 'replay') return this.replay(result.row);
    const r = result;
    this.bus.publish([{ frame: { ...r.payload, seq: r.accepted.seq } as never, areaPath: scopePath }]);
    if (r.started) this.engine.committed(r.started);
    this.storedSubject.next({ orderId: r.accepted.orderId, expiresAt: now + spec.ttlS * 1000 });
    return r.accepted;
  }

  /** Whom an order's `to` picks, checked against the token's areas (refused as `accept` refuses). */
  targets(p: Principal, to: OrderSpec['to']): Promise<{ scope: string | null; reach: OrderReach }> {
    return this.who.targets(p, to);
  }

  /**
   * Cancels every open delivery of the order; resolves when the cancellations are committed. From
   * the cancel's commit on, anything that happens to a delivery of the order ends it (the engine
   * knows the order is cancelled), so no send leaves while the walk below goes page by page; a
   * restart finishes a walk cut short (`finishCancels`).
   */
  async cancel(p: Principal, orderId: string): Promise<number> {
    await this.checkVisible(p, orderId);
    await this.store.write(async (tx) => {
      await tx.orders.markCancelled(orderId);
      await audit(tx, p, this.clock.now(), 'order.cancel', orderId);
    });
    this.engine.orderCancelled(orderId);
    return this.cancelOpen(orderId);
  }

  /** Ends the open deliveries of cancelled orders: a cancel walk the last run did not finish. */
  async finishCancels(): Promise<void> {
    for (const orderId of await this.store.read.orders.cancelledWithOpen()) await this.cancelOpen(orderId);
  }

  private cancelOpen(orderId: string): Promise<number> {
    return this.engine.submitPages(
      '',
      async (after) => {
        const page = await this.store.read.deliveries.openIdsOfOrder(orderId, after, PAGE);
        return { ids: page.ids, next: page.last };
      },
      () => ({ type: 'CANCEL', at: this.clock.now() }),
      { drained: true }, // answered only once every cancellation is committed
    );
  }

  private replay(row: { id: string; ref: string; deliveries: number; seq: number }): Accepted {
    return { orderId: row.id, ref: row.ref, deliveries: Number(row.deliveries), seq: Number(row.seq), replayed: true };
  }

  /** The order, if the principal may see it; `not_found` otherwise (order-targets.ts). */
  checkVisible(p: Principal, orderId: string): Promise<OrderRow> {
    return this.who.checkVisible(p, orderId);
  }
}
