import { BoundedMap } from '@lifeline/domain';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RouterCore } from '@lifeline/engine';
import type { Storage } from '@lifeline/store';
import type { Observable } from 'rxjs';

export type Transport = 'http' | 'ws' | 'upgrade' | 'bus';

/** What the cluster gauges read of their node. */
export interface ClusterView {
  readonly active: boolean;
  busUp(): boolean;
}


/** Deliveries remembered between their `sending` and `delivered` receipts, for the latency histogram. */
const PENDING_MAX = 200_000;

/**
 * The router's Prometheus metrics (names in the README). Counters are fed as things happen:
 * committed events from the bus, refusals from the transports, errors from the log. Gauges are
 * read from the database at scrape time, from indexed or small tables.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly rejectedTotal = new Counter({ name: 'lifeline_requests_rejected_total', help: 'Requests and frames refused, by transport and error code', labelNames: ['transport', 'code'], registers: [this.registry] });
  private readonly internalErrors = new Counter({ name: 'lifeline_internal_errors_total', help: 'Internal errors (each is logged with its stack)', registers: [this.registry] });
  private readonly receipts = new Counter({ name: 'lifeline_receipts_total', help: 'Delivery status changes, by status and channel', labelNames: ['status', 'channel'], registers: [this.registry] });
  private readonly orders = new Counter({ name: 'lifeline_orders_accepted_total', help: 'Orders accepted', registers: [this.registry] });
  private readonly firstSend = new Histogram({
    name: 'lifeline_accept_to_first_send_seconds',
    help: "From an order's acceptance to a delivery's first send, by channel and priority",
    labelNames: ['channel', 'priority'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly toDelivered = new Histogram({
    name: 'lifeline_send_to_delivered_seconds',
    help: 'From a send to its delivery receipt, by channel',
    labelNames: ['channel'],
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  /** `deliveryId#attempt` -> when it was sent, until its `delivered`. */
  private readonly sentAt = new BoundedMap<string, number>(PENDING_MAX);
  private readonly orderInfo = new BoundedMap<string, { createdAt: number; priority: string }>(10_000);

  constructor() {
    // Standard names (process_*, nodejs_*), so stock dashboards for Node.js processes work.
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  rejected(transport: Transport, code: string): void {
    this.rejectedTotal.inc({ transport, code });
  }

  internalError(): void {
    this.internalErrors.inc();
  }

  private gauge(name: string, help: string, labelNames: string[], read: (g: Gauge) => void | Promise<void>): void {
    new Gauge({ name, help, labelNames, registers: [this.registry], async collect() { this.reset(); await read(this); } });
  }

  /**
   * A counter read at scrape time from a count kept elsewhere that only grows (since start): a
   * counter, so that rate() and resets on a restart work as Prometheus expects.
   */
  private counter(name: string, help: string, read: () => number): void {
    new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(read()); } });
  }

  /**
   * Gauges of the record, read from the database at scrape time: every node of a cluster serves
   * them alike (a follower reads the rows the active node wrote), so any node behind a load
   * balancer answers for the whole picture.
   */
  watchStore(store: Storage, now: () => number): void {
    this.gauge('lifeline_deliveries', 'Open deliveries by status and channel', ['status', 'channel'], async (g) => {
      // Not yet started counts as queued, as the API shows it.
      // Final statuses are counted as they happen (lifeline_receipts_total), not held.
      for (const r of await store.read.deliveries.openCounts()) g.set({ status: r.status, channel: r.channel ?? 'none' }, r.n);
    });
    this.gauge('lifeline_orders_open', 'Orders with deliveries not yet final', [], async (g) => g.set((await store.read.orders.openSummary()).reduce((n, r) => n + r.orders, 0)));
    this.gauge('lifeline_unanswered_deliveries', 'Deliveries of orders asking for an answer, not yet answered or otherwise final, by priority', ['priority'], async (g) => {
      for (const r of await store.read.orders.openSummary()) if (r.ackRequired) g.set({ priority: r.priority }, r.open);
    });
    this.gauge('lifeline_oldest_unanswered_seconds', 'Age of the oldest order still waiting for answers, by priority', ['priority'], async (g) => {
      for (const r of await store.read.orders.openSummary()) if (r.ackRequired) g.set({ priority: r.priority }, Math.max(0, (now() - r.oldestCreatedAt) / 1000));
    });
  }

  /** The node that sends: committed events counted as they happen, its dispatcher, writer and gateways. */
  watchRouter(core: RouterCore, store: Storage): void {
    core.events$.subscribe(({ frame }) => {
      if (frame.type === 'receipt') this.receipt(store, frame as unknown as ReceiptLike);
      else if (frame.type === 'order.accepted') this.orders.inc();
    });
    this.gauge('lifeline_dispatch_pending', 'Sends waiting for capacity or a gateway window', [], (g) => g.set(core.stats().dispatcher.pending));
    this.gauge('lifeline_dispatch_in_flight', 'Sends at gateways awaiting accepted or failed', [], (g) => g.set(core.stats().dispatcher.inFlight));
    this.counter('lifeline_writer_commits_total', 'Transactions committed since start, by the main writer and the lanes together', () => store.commits);
    this.gauge('lifeline_engine_lane_queued', 'Delivery events waiting to be applied, by lane of the delivery work (engine.lanes)', ['lane'], (g) => {
      core.stats().lanes.forEach((l, i) => g.set({ lane: String(i) }, l.queued));
    });
    this.gauge('lifeline_engine_lane_elsewhere', '1 while another node of the cluster carries out the lane (its jobs sent there), 0 while this node does', ['lane'], (g) => {
      core.stats().lanes.forEach((l, i) => g.set({ lane: String(i) }, l.node === null ? 0 : 1));
    });
    this.gauge('lifeline_writer_failing', '1 while commits fail (see /health for the reason)', [], (g) => g.set(store.commitFailure ? 1 : 0));
    this.gauge('lifeline_gateways_connected', 'Gateways connected, by channel', ['channel'], (g) => {
      for (const c of core.gateways.connected()) g.inc({ channel: c.channel });
    });
    this.gauge('lifeline_channel_state', 'Channel state per area: 1 up, 0.5 degraded, 0 down', ['channel', 'area'], (g) => {
      for (const c of core.channelStates()) g.set({ channel: c.channel, area: c.area }, c.state === 'up' ? 1 : c.state === 'degraded' ? 0.5 : 0);
    });
  }

  /**
   * A node of a cluster: whether it writes, how far its consoles' stream is behind the events
   * table (a follower reads it after the active node commits), and whether it reaches the bus.
   * Started with the seq its stream starts after.
   */
  watchCluster(node: ClusterView, events$: Observable<{ frame: { seq: number } }>, store: Storage, streamedFrom: number): void {
    let streamed = streamedFrom;
    events$.subscribe(({ frame }) => (streamed = Math.max(streamed, frame.seq)));
    this.watchRole(node.active);
    this.gauge('lifeline_events_seq', "Highest event seq this node's consoles have been given", [], (g) => g.set(streamed));
    this.gauge('lifeline_stream_lag_events', "Events committed that this node's consoles have not been given yet", [], async (g) => g.set(Math.max(0, (await store.read.events.maxSeq()) - streamed)));
    this.gauge('lifeline_bus_up', '1 while this node reaches the bus (NATS), 0 while not', [], (g) => g.set(node.busUp() ? 1 : 0));
  }

  /** A follower carrying out lanes of the active node: the jobs it committed, and those it refused. */
  watchLaneWorker(stats: { jobs: number; refused: number }): void {
    this.counter('lifeline_lane_jobs_total', 'Lane jobs this node carried out for the active node since start (committed)', () => stats.jobs);
    this.counter('lifeline_lane_jobs_refused_total', 'Lane jobs this node refused since start (moved, failed, or sent without their context)', () => stats.refused);
  }

  /**
   * A node of a cluster, with a bus or without (standbys answer no /metrics: only the active node
   * of a cluster without a bus does): 1 while it holds the writer lease.
   */
  watchRole(active: boolean): void {
    this.gauge('lifeline_node_active', '1 on the node that holds the writer lease (writes and sends), 0 on a follower', [], (g) => g.set(active ? 1 : 0));
  }

  private receipt(store: Storage, r: ReceiptLike): void {
    const channel = r.channel ?? 'none';
    this.receipts.inc({ status: r.status, channel });
    if (r.status === 'sending') {
      const at = Date.parse(r.at);
      if (r.attempt === 1) this.firstSend$(store, r.orderId, channel, at).catch(() => undefined); // a metric, not worth a crash
      this.sentAt.set(`${r.deliveryId}#${r.attempt}`, at);
    } else if (r.status === 'delivered') {
      const key = `${r.deliveryId}#${r.attempt}`;
      const sent = this.sentAt.get(key);
      if (sent !== undefined) this.toDelivered.observe({ channel }, Math.max(0, (Date.parse(r.at) - sent) / 1000));
      this.sentAt.delete(key);
    } else if (r.status !== 'sent') this.sentAt.delete(`${r.deliveryId}#${r.attempt}`);
  }

  /** Observes a first send against its order's acceptance time and priority (read once per order). */
  private async firstSend$(store: Storage, orderId: string, channel: string, at: number): Promise<void> {
    let o = this.orderInfo.get(orderId);
    if (!o) {
      const row = await store.read.orders.get(orderId);
      if (!row) return;
      this.orderInfo.set(orderId, (o = { createdAt: Number(row.created_at), priority: row.priority }));
    }
    this.firstSend.observe({ channel, priority: o.priority }, Math.max(0, (at - o.createdAt) / 1000));
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

interface ReceiptLike {
  orderId: string;
  deliveryId: string;
  status: string;
  channel: string | null;
  attempt: number;
  at: string;
}
