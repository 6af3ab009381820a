import type { Clock } from '@lifeline/clock';
import { attemptId, BoundedMap, deliveryPartition, fitText, laneOf, lanePartitions, personChannels, reachableNow, type ChannelSpec, type Reach } from '@lifeline/domain';
import { Subject, type Observable } from 'rxjs';
import {
  createDelivery,
  isFinalValue,
  NOT_STARTED,
  statusOf,
  stepDelivery,
  type DeliveryEvent,
  type StoredDelivery,
  type TimerName,
} from '@lifeline/machines';
import type { Delivery, Repositories, Storage } from '@lifeline/store';
import { preferenceFor, type EngineConfig } from './config';
import type { BusEvent, EventBus } from './event-bus';
import type { OrderCache, OrderInfo } from './order-cache';
import type { SendItem } from './send-item';
import type { EngineEvent, EngineItem } from './engine-item';
import { EngineLane } from './engine-lane';
import { StepWrites } from './step-writes';
import type { Tasks } from './tasks';


export interface EngineOutput {
  /** Deliveries as committed: the engine keeps recent ones at hand (see `recent`). */
  changed?: Delivery[];
  events: BusEvent[];
  sends: SendItem[];
  /** Attempts superseded before they left: the dispatcher drops them if still queued. */
  drops: string[];
  timersArmed: number | null;
  finals: number;
}

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
 * Applies events to deliveries: load snapshot, `transition()`, and in the same write job store
 * the next snapshot and the rows its intents stand for (attempts, timers, receipt events).
 * Effects leave the process only after that job has committed. Each delivery belongs to one lane
 * (by its person's partition), and each lane applies its events in jobs of its own writer: on
 * PostgreSQL, lanes write at the same time (`Storage.lanes`).
 */
export class DeliveryEngine {
  readonly lanes: readonly EngineLane[];
  /**
   * Deliveries as last committed, most recent last: the next event for a delivery usually comes
   * soon (accepted, then delivered) and skips the read. Only this engine writes delivery rows, and
   * only one lane each; entries are filled only after commit and copied before use, and a failed
   * job clears it.
   */
  private readonly recent = new BoundedMap<string, Delivery>(50_000);
  /**
   * Deliveries a job changed that is not yet committed and handed back, each at its latest
   * version. Two jobs can share one transaction (the pump's and the timer poller's): the second
   * must read the first's write from the database, not the cached row from before it.
   */
  private readonly writing = new Map<string, Delivery>();
  readonly stats = { applied: 0, ignored: 0, unknown: 0, finals: 0 };
  private readonly committedSubject = new Subject<EngineOutput>();
  /**
   * Each committed job's effects, after its events went to subscribers: sends and drops for the
   * dispatcher, timer times for the poller. Parts built after the engine subscribe to it.
   */
  readonly committed$: Observable<EngineOutput> = this.committedSubject.asObservable();

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly config: EngineConfig,
    private readonly reach: Reach,
    private readonly orders: OrderCache,
    private readonly bus: EventBus,
    private readonly tasks: Tasks,
  ) {
    const n = store.lanes;
    this.lanes = Array.from({ length: n }, (_, i) => new EngineLane(lanePartitions(i, n), (batch, urgent) => this.run(() => batch, urgent, i), config.eventBatch, clock, tasks));
  }

  now(): number {
    return this.clock.now();
  }

  spec(channel: string): ChannelSpec | undefined {
    return this.config.channels.get(channel);
  }

  /** Queues events on the lanes of their deliveries; `urgent` ones go before everything waiting. */
  submit(items: readonly EngineItem[], urgent = false): void {
    if (items.length === 0) return;
    const n = this.lanes.length;
    if (n === 1) return this.lanes[0].submit(items, urgent);
    const byLane: EngineItem[][] = this.lanes.map(() => []);
    for (const i of items) byLane[this.laneOf(i.deliveryId)].push(i);
    byLane.forEach((part, lane) => part.length && this.lanes[lane].submit(part, urgent));
  }

  private laneOf(deliveryId: string): number {
    return laneOf(deliveryPartition(deliveryId), this.lanes.length);
  }

  /** Applying or about to, on any lane: not while they wait out a back-off after failed commits. */
  get busy(): boolean {
    return this.lanes.some((l) => l.busy);
  }

  /**
   * Sends an event to deliveries page by page, each page committed before the next is read, so a
   * million of them never sit in memory. `page` reads the ids after a cursor and the cursor of the
   * next page (null: that was the last); `stop` ends the walk early. Resolves with the count sent.
   */
  async submitPages<C>(
    first: C,
    page: (cursor: C) => Promise<{ ids: string[]; next: C | null }>,
    event: () => EngineEvent,
    o: { stop?: () => boolean; drained?: boolean } = {},
  ): Promise<number> {
    let n = 0;
    for (let cursor: C | null = first; cursor !== null && !o.stop?.(); ) {
      const p = await page(cursor);
      this.submit(p.ids.map((id) => ({ deliveryId: id, event: event() })));
      await (o.drained ? this.drained() : this.idle());
      n += p.ids.length;
      cursor = p.next;
    }
    return n;
  }

  /**
   * Resolves when the engine has nothing to do now: everything submitted applied, or waiting out a
   * back-off after a failed commit (storage failing: a stop, or a test's settle, must not hang on
   * it). What must be committed before it is reported waits on `drained`.
   */
  async idle(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.idle()));
  }

  /**
   * Resolves when every submitted event has been applied and committed, waiting through the
   * retries of failed commits: a caller that answers a client (a cancel) never reports as done
   * what is still only in memory.
   */
  async drained(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.drained()));
  }

  /** An order was cancelled (committed): its deliveries end at their next event. */
  orderCancelled(orderId: string): void {
    this.orders.cancelled(orderId);
  }

  /**
   * One write job on lane `lane`'s writer: `collect` runs inside the transaction, so items it
   * pulls from the store (new deliveries, due timers of the lane's partitions) are read and
   * written atomically.
   */
  async run(collect: (tx: Repositories) => Promise<EngineItem[]> | EngineItem[], urgent = false, lane = 0): Promise<number> {
    let output: EngineOutput & { applied: number };
    try {
      output = await this.store.writeIn(lane, async (tx) => this.apply(tx, this.ofLane(lane, await collect(tx)), this.clock.now()), urgent);
    } catch (e) {
      this.recent.clear();
      this.writing.clear();
      throw e;
    }
    this.committed(output);
    return output.applied;
  }

  /**
   * The items of `lane`'s deliveries: another lane's are left alone, so that two lanes never step
   * one delivery, whatever handed them over (rows whose partition column disagrees with the
   * delivery's id could only come from a version before lanes: every node must run this one).
   */
  private ofLane(lane: number, items: EngineItem[]): EngineItem[] {
    const n = this.lanes.length;
    if (n === 1) return items;
    const mine = items.filter((i) => this.laneOf(i.deliveryId) === lane);
    if (mine.length < items.length)
      this.tasks.log.error(`lane ${lane} was handed deliveries of other lanes: left alone`, { deliveries: items.filter((i) => !mine.includes(i)).slice(0, 5).map((i) => i.deliveryId) });
    return mine;
  }

  /** Applies items inside a write job someone else owns (a small urgent order's accepting transaction); hand the result to `committed` after. */
  applyNow(tx: Repositories, items: readonly EngineItem[]): Promise<EngineOutput & { applied: number }> {
    return this.apply(tx, items, this.clock.now());
  }

  /** Effects of a committed job leave the process: events to subscribers, sends to gateways. */
  committed(output: EngineOutput): void {
    for (const d of output.changed ?? []) {
      // A later job may have changed it again meanwhile: only the latest version is cached.
      if (this.writing.get(d.id) !== d) continue;
      this.writing.delete(d.id);
      if (d.machine && !isFinalValue(d.machine.value)) this.recent.set(d.id, d);
    }
    this.bus.publish(output.events);
    this.committedSubject.next(output);
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
  private async apply(tx: Repositories, items: readonly EngineItem[], now: number): Promise<EngineOutput & { applied: number }> {
    const out: EngineOutput & { applied: number } = { events: [], sends: [], drops: [], timersArmed: null, finals: 0, applied: items.length };
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

  private sendItem(d: Delivery, order: OrderInfo, spec: ChannelSpec, attempt: number, to: string): SendItem {
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
  async resend(d: Delivery): Promise<SendItem | null> {
    const order = this.orders.peek(d.orderId) ?? (await this.orders.get(d.orderId, this.store.read));
    const spec = d.channel ? this.config.channels.get(d.channel) : undefined;
    const to = spec && d.terminals[spec.terminal];
    if (!order || order.cancelled || !spec || !to || d.attempt < 1) return null;
    return this.sendItem(d, order, spec, d.attempt, to);
  }

  timerEvent(name: string, epoch: number, at: number): EngineEvent {
    return { type: 'TIMER_FIRED', at, name: name as TimerName, epoch };
  }
}
