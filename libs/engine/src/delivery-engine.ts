import type { Clock } from '@lifeline/clock';
import { deliveryPartition, laneOf, lanePartitions } from '@lifeline/domain';
import { Subject, type Observable } from 'rxjs';
import type { Delivery, Repositories, Storage } from '@lifeline/store';
import type { EngineConfig } from './config';
import type { EventBus } from './event-bus';
import type { OrderCache } from './order-cache';
import type { SendItem } from './send-item';
import type { EngineEvent, EngineItem } from './engine-item';
import { EngineLane } from './engine-lane';
import type { DeliveryStepper, EngineOutput, StepOutput } from './delivery-stepper';
import { jobItems, type LaneJob } from './lane-job';
import type { LanePlacement } from './lane-placement';
import type { Tasks } from './tasks';

export type { EngineOutput } from './delivery-stepper';

/**
 * Applies events to deliveries in write jobs (the stepping itself is the `DeliveryStepper`'s):
 * effects leave the process only after a job has committed. Each delivery belongs to one lane (by
 * its person's partition), and each lane applies its events in jobs of its own writer: on
 * PostgreSQL, lanes write at the same time (`Storage.lanes`), and on a cluster a lane's jobs may be
 * carried out by another node for this one (`LanePlacement`).
 */
export class DeliveryEngine {
  readonly lanes: readonly EngineLane[];
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
    private readonly stepper: DeliveryStepper,
    private readonly placement: LanePlacement,
    private readonly orders: OrderCache,
    private readonly bus: EventBus,
    private readonly tasks: Tasks,
  ) {
    const n = store.lanes;
    this.lanes = Array.from({ length: n }, (_, i) => new EngineLane(lanePartitions(i, n), (items, urgent) => this.run(i, { kind: 'items', items }, urgent), config.eventBatch, clock, tasks));
  }

  get stats(): DeliveryStepper['stats'] {
    return this.stepper.stats;
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
    this.placement.cancelled(orderId);
  }

  /**
   * One write job on lane `lane`: here, on the lane's writer, or on the node carrying the lane
   * out for this one. What the job reads (new deliveries, due timers of the lane's partitions) is
   * read and written in one transaction. Resolves with the number of events applied.
   */
  async run(lane: number, job: LaneJob, urgent = false): Promise<number> {
    const ticket = await this.placement.enter(lane);
    let output: StepOutput;
    try {
      const now = this.clock.now();
      output = ticket.remote
        ? await ticket.remote(job, now)
        : await this.store.writeIn(lane, async (tx) => this.stepper.apply(tx, this.ofLane(lane, await jobItems(tx, job, this.lanes[lane].partitions, now)), now), urgent);
    } catch (e) {
      this.stepper.forget();
      throw e;
    } finally {
      ticket.leave();
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
  applyNow(tx: Repositories, items: readonly EngineItem[]): Promise<StepOutput> {
    return this.stepper.apply(tx, items, this.clock.now());
  }

  /** Effects of a committed job leave the process: events to subscribers, sends to gateways. */
  committed(output: EngineOutput): void {
    if (output.changed) this.stepper.committed(output.changed);
    this.bus.publish(output.events);
    this.committedSubject.next(output);
  }

  /** The send of a delivery still `sending` after a restart: same attempt id, so gateways dedupe. */
  resend(d: Delivery): Promise<SendItem | null> {
    return this.stepper.resend(d, this.store.read);
  }
}
