import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Lifeline } from '../lifeline';

/** Prometheus metrics: counters fed from committed events, gauges read at scrape time. */
export class MetricsService {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  constructor(lifeline: Lifeline) {
    collectDefaultMetrics({ register: this.registry, prefix: 'lifeline_process_' });
    const receipts = new Counter({ name: 'lifeline_receipts_total', help: 'Delivery status changes', labelNames: ['status', 'channel'], registers: [this.registry] });
    const orders = new Counter({ name: 'lifeline_orders_accepted_total', help: 'Orders accepted', registers: [this.registry] });
    const channel = new Gauge({ name: 'lifeline_channel_up', help: 'Channel state per area: 1 up, 0.5 degraded, 0 down', labelNames: ['channel', 'area'], registers: [this.registry] });
    const { core, store } = lifeline;
    core.bus.events$.subscribe(({ frame }) => {
      if (frame.type === 'receipt') receipts.inc({ status: String(frame.status), channel: String(frame.channel ?? 'none') });
      else if (frame.type === 'order.accepted') orders.inc();
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
    gauge('lifeline_dispatch_pending', 'Sends waiting for capacity or a gateway window', () => core.dispatcher.pending);
    gauge('lifeline_dispatch_in_flight', 'Sends at gateways awaiting accepted/failed', () => core.dispatcher.inFlightCount);
    gauge('lifeline_writer_batches', 'Transactions committed by the single writer', () => store.writer.batches);
    new Gauge({
      name: 'lifeline_gateways_connected',
      help: 'Gateways connected per channel',
      labelNames: ['channel'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const g of core.hub.connected()) this.inc({ channel: g.channel });
      },
    });
    this.refreshChannels = () => {
      channel.reset();
      for (const c of core.health.list()) channel.set({ channel: c.channel, area: c.area }, c.state === 'up' ? 1 : c.state === 'degraded' ? 0.5 : 0);
    };
  }

  private readonly refreshChannels: () => void;

  async render(): Promise<string> {
    this.refreshChannels();
    return this.registry.metrics();
  }
}
