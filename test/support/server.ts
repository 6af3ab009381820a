import { VirtualClock } from '@lifeline/clock';
import { SILENT_LOG } from '@lifeline/domain';
import WebSocket from 'ws';

import { loadConfig } from '../../apps/router/src/config/load-config';
import type { Config } from '../../apps/router/src/config/config.schema';
import { startServer, type RunningServer } from '../../apps/router/src/server';

export const TOKENS = {
  admin: 'demo-admin-token',
  console: 'demo-console-token',
  county: 'demo-county-token',
  drill: 'demo-drill-token',
  metrics: 'demo-metrics-token',
  pdt: 'demo-gateway-pdt',
};

export interface TestServer extends RunningServer {
  clock: VirtualClock;
  advance(ms: number): Promise<void>;
}

/** The real app on an ephemeral port, with virtual time so tests never sleep. */
export async function testServer(o: { simulators?: string; tweak?: (c: Config) => void; database?: string; /** Where virtual time starts (ms since 1970); default 2026-01-01. */ clockAt?: number } = {}): Promise<TestServer> {
  const config = loadConfig('config/default.yaml');
  config.channels.forEach((c) => (c.simulator.loss = 0));
  o.tweak?.(config);
  const clock = new VirtualClock(o.clockAt);
  const s = await startServer({ config, database: o.database ?? ':memory:', clock, simulators: o.simulators ?? 'all', host: '127.0.0.1', port: 0, log: SILENT_LOG });
  const settle = () => s.lifeline.core.settle();
  return { ...s, clock, advance: (ms) => clock.advance(ms, settle) };
}

/** A WebSocket client that collects frames and waits for the one a test expects. */
export class Client {
  readonly frames: Record<string, unknown>[] = [];
  private waiters: { pred: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Record<string, unknown>;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static open(url: string, token: string | null, path = '/ws'): Promise<Client> {
    const ws = new WebSocket(url.replace('http', 'ws') + path, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(pred: (f: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** The first frame matching `pred` that arrives after this call. */
  nextNew(pred: (f: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}
