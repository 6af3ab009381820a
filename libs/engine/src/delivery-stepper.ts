import { attemptId, BoundedMap, fitText, personChannels, reachableNow, type ChannelSpec, type Reach } from '@lifeline/domain';
import {
  createDelivery,
  isFinalValue,
  NOT_STARTED,
  statusOf,
  stepDelivery,
  type DeliveryEvent,
  type StoredDelivery,
} from '@lifeline/machines';
import type { Delivery, Repositories } from '@lifeline/store';
import { preferenceFor, type EngineConfig } from './config';
import type { BusEvent } from './event-bus';
import type { OrderCache, OrderInfo } from './order-cache';
import type { RemoteSend } from './cluster/lane-messages';
import type { SendItem } from './send-item';
import type { EngineEvent, EngineItem } from './engine-item';
import { StepWrites } from './step-writes';

/** What one committed write job leaves to do: events for subscribers, sends and drops for the dispatcher, the next timer. */
export interface EngineOutput {
  /** Deliveries as committed: the stepper keeps recent ones at hand (see `recent`). */
  changed?: Delivery[];
  events: BusEvent[];
  sends: SendItem[];
  /** Attempts superseded before they left: the dispatcher drops them if still queued. */
  drops: string[];
  timersArmed: number | null;
  finals: number;
}

export type StepOutput = EngineOutput & { applied: number };

let lastIso: [number, string] = [NaN, ''];
/** Receipts of one batch share a clock reading: format it once. */
function isoTime(ms: number): string {
  if (lastIso[0] !== ms) lastIso = [ms, new Date(ms).toISOString()];
  return lastIso[1];
}

/** What one write job's steps leave behind, written at its end: rows net of each other, and closings by order. */
interface JobWrites {
  rows: StepWrites;
  /** Deliveries that went final, by order: one update per order. */
  closing: Map<string, number>;
}

/**
 * Steps deliveries inside a write job: load each one's snapshot, `transition()`, and write the
 * next snapshot and the rows its intents stand for (attempts, timers, receipt events) in the same
 * transaction. What it writes leaves the process only after the job committed (`committed`). The
 * active node steps with one; a node that carries out lanes for it (`LaneWorker`), with its own.
 */
export class DeliveryStepper {
  /**
   * Deliveries as last committed, most recent last: the next event for a delivery usually comes
   * soon (accepted, then delivered) and skips the read. Right only while nobody else writes these
   * rows: each delivery is written by one lane, and a lane that moves between nodes is forgotten
   * (`forget`); entries are filled only after commit and copied before use, and a failed job
   * clears it.
   */
  private readonly recent = new BoundedMap<string, Delivery>(50_000);
  /**
   * Deliveries a job changed that is not yet committed and handed back, each at its latest
   * version. Two jobs can share one transaction (the pump's and the timer poller's): the second
   * must read the first's write from the database, not the cached row from before it.
   */
  private readonly writing = new Map<string, Delivery>();
  readonly stats = { applied: 0, ignored: 0, unknown: 0, finals: 0 };

  constructor(
    private readonly config: EngineConfig,
    private readonly reach: Reach,
    private readonly orders: OrderCache,
  ) {}

  /** A job failed or its lane moved: what is cached may no longer be what the rows say. */
  forget(): void {
    this.recent.clear();
    this.writing.clear();
  }

  /** A job committed: its deliveries, at their latest versions, are what the rows say. */
  committed(changed: readonly Delivery[]): void {
    for (const d of changed) {
      // A later job may have changed it again meanwhile: only the latest version is cached.
      if (this.writing.get(d.id) !== d) continue;
      this.writing.delete(d.id);
      if (d.machine && !isFinalValue(d.machine.value)) this.recent.set(d.id, d);
    }
  }

  private async load(tx: Repositories, ids: readonly string[]): Promise<Map<string, Delivery>> {
    const out = new Map<string, Delivery>();
    const missing: string[] = [];
    for (const id of ids) {
      const d = this.writing.has(id) ? undefined : this.recent.get(id);
      if (d) out.set(id, { ...d });
      else missing.push(id);
    }
    if (missing.length) for (const [id, d] of await tx.deliveries.load(missing)) out.set(id, d);
    return out;
  }

  /**
   * Steps every item's delivery and writes their rows, in the write job `tx` belongs to. What
   * every writer's transaction touches comes last, so that lanes wait on each other only there:
   * the orders' open counts (in order of their ids: two lanes never lock two orders crosswise),
   * then the events, whose seqs are taken from one row held until commit.
   */
  async apply(tx: Repositories, items: readonly EngineItem[], now: number): Promise<StepOutput> {
    const out: StepOutput = { events: [], sends: [], drops: [], timersArmed: null, finals: 0, applied: items.length };
    const job: JobWrites = { rows: new StepWrites(), closing: new Map() };
    const rows = await this.load(tx, items.map((i) => i.deliveryId));
    const changed = new Map<string, Delivery>();
    for (const item of items) {
      const d = rows.get(item.deliveryId);
      const order = d && (this.orders.peek(d.orderId) ?? (await this.orders.get(d.orderId, tx)));
      if (!d || !order) {
        this.stats.unknown++;
        continue;
      }
      // A cancelled order's delivery ends at whatever happens to it next (a start, a timer, a
      // receipt, a channel back), not only when the cancel walk reaches it: nothing more goes out.
      const event: EngineEvent = order.cancelled && item.event.type !== 'CANCEL' ? { type: 'CANCEL', at: now } : item.event;
      if (this.step(d, order, event, now, out, job)) changed.set(d.id, d);
      else this.stats.ignored++;
    }
    for (const d of changed.values()) {
      this.recent.delete(d.id);
      this.writing.set(d.id, d);
    }
    await job.rows.flushRows(tx);
    await tx.deliveries.saveMany([...changed.values()], now);
    for (const orderId of [...job.closing.keys()].sort()) await tx.orders.closeDeliveries(orderId, job.closing.get(orderId)!);
    await job.rows.flushEvents(tx);
    out.changed = [...changed.values()];
    this.stats.applied += items.length;
    return out;
  }

  private input(d: Delivery, order: OrderInfo) {
    const channels = personChannels(preferenceFor(this.config, order.priority), this.config.channels, d.terminals);
    return {
      channels,
      terminalOf: Object.fromEntries(channels.map((c) => [c, this.config.channels.get(c)!.terminal])),
      ackRequired: order.ackRequired,
      ackWithinMs: order.ackWithinMs,
      expiresAt: d.expiresAt,
      retryBaseMs: this.config.retry.baseS * 1000,
      retryMaxMs: this.config.retry.maxS * 1000,
    };
  }

  private withAvailable(event: EngineEvent, stored: StoredDelivery, area: string, now: number): DeliveryEvent {
    if (event.type === 'START' || event.type === 'FAILED' || event.type === 'SILENT' || event.type === 'CHANNEL_CHANGED' || event.type === 'TIMER_FIRED')
      return { ...event, available: reachableNow(stored.context.channels, area, this.reach, now) } as DeliveryEvent;
    return event as DeliveryEvent;
  }

  /** Applies one event to one delivery, writing the rows its intents stand for; false when nothing changed. */
  private step(d: Delivery, order: OrderInfo, event: EngineEvent, now: number, out: EngineOutput, job: JobWrites): boolean {
    const stored = d.machine ?? createDelivery(this.input(d, order));
    const result = stepDelivery(stored, this.withAvailable(event, stored, d.area, now));
    if (!result.changed) return false;
    for (const intent of result.intents) {
      switch (intent.type) {
        case 'dispatch':
          out.sends.push(this.dispatch(d, order, intent.params.channel, intent.params.attempt, now, job.rows));
          break;
        case 'attempt': {
          const id = attemptId(d.id, intent.params.attempt);
          job.rows.updateAttempt(id, intent.params.status, now, intent.params.detail);
          if (intent.params.settled) out.drops.push(id);
          break;
        }
        case 'armTimer':
          job.rows.armTimer(d.id, intent.params.name, intent.params.epoch, intent.params.dueAt);
          out.timersArmed = Math.min(out.timersArmed ?? Infinity, intent.params.dueAt);
          break;
        case 'cancelTimers':
          job.rows.cancelTimers(d.id);
          break;
        case 'receipt': {
          const { status, channel, attempt, detail } = intent.params;
          const payload = { type: 'receipt', orderId: d.orderId, deliveryId: d.id, personId: d.personId, status, channel, attempt, at: isoTime(now), detail };
          const event = { frame: { ...payload, seq: 0 } as BusEvent['frame'], areaPath: d.areaPath };
          job.rows.appendEvent({ type: 'receipt', at: now, orderId: d.orderId, areaPath: d.areaPath, payload }, (seq) => (event.frame.seq = seq));
          out.events.push(event);
          break;
        }
      }
    }
    const ctx = result.stored.context;
    d.machine = result.stored;
    d.channel = ctx.channel;
    d.attempt = ctx.attempt;
    d.status = statusOf(result.stored.value) ?? NOT_STARTED;
    if (isFinalValue(result.stored.value)) {
      job.closing.set(d.orderId, (job.closing.get(d.orderId) ?? 0) + 1);
      out.finals++;
      this.stats.finals++;
    }
    return true;
  }

  private dispatch(d: Delivery, order: OrderInfo, channel: string, attempt: number, now: number, rows: StepWrites): SendItem {
    const spec = this.config.channels.get(channel)!;
    const to = d.terminals[spec.terminal]!;
    const item = this.sendItem(d, order, spec, attempt, to);
    rows.insertAttempt({ id: item.attemptId, delivery_id: d.id, attempt, channel, area: d.area, address: to, status: 'sending', at: now, detail: null });
    return item;
  }

  private sendItem(d: Pick<Delivery, 'id' | 'orderId' | 'area'>, order: OrderInfo, spec: ChannelSpec, attempt: number, to: string): SendItem {
    return {
      attemptId: attemptId(d.id, attempt),
      deliveryId: d.id,
      orderId: d.orderId,
      channel: spec.id,
      area: d.area,
      priorityRank: order.priorityRank,
      priority: order.priority,
      to,
      ref: order.ref,
      text: this.text(order, spec),
      ackRequired: order.ackRequired,
    };
  }

  private readonly texts = new Map<string, string>();

  private text(order: OrderInfo, spec: ChannelSpec): string {
    const key = `${order.id}\u0000${spec.id}`;
    let t = this.texts.get(key);
    if (t === undefined) {
      t = fitText(spec.text, spec.narrowband, order).text;
      if (this.texts.size > 50_000) this.texts.clear();
      this.texts.set(key, t);
    }
    return t;
  }

  /** The send of a delivery still `sending` after a restart: same attempt id, so gateways dedupe. */
  async resend(d: Delivery, read: Repositories): Promise<SendItem | null> {
    const order = this.orders.peek(d.orderId) ?? (await this.orders.get(d.orderId, read));
    const spec = d.channel ? this.config.channels.get(d.channel) : undefined;
    const to = spec && d.terminals[spec.terminal];
    if (!order || order.cancelled || !spec || !to || d.attempt < 1) return null;
    return this.sendItem(d, order, spec, d.attempt, to);
  }

  /**
   * A send decided by another node for this one (`RemoteLanes`), completed from what this node
   * knows of the order: null when the order is gone or cancelled (nothing more goes out).
   */
  async sendOf(s: RemoteSend, read: Repositories): Promise<SendItem | null> {
    const order = this.orders.peek(s.orderId) ?? (await this.orders.get(s.orderId, read));
    const spec = this.config.channels.get(s.channel);
    if (!order || order.cancelled || !spec) return null;
    return this.sendItem({ id: s.deliveryId, orderId: s.orderId, area: s.area }, order, spec, s.attempt, s.to);
  }
}
