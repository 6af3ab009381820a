import type { Clock } from '@lifeline/clock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { connect, type NatsConnection } from 'nats';
import { gatewayFrame, readJsonFrame, type GatewayFrame, type RouterFrame } from '@lifeline/contracts';
import { NatsLinkServer } from '../link/nats-link-server';
import { natsServers } from '../link/nats-servers';

export interface Seen {
  link: number;
  at: number;
  frame: GatewayFrame;
}

/** One link of the adapter's, whichever its transport: what the kit says on it, and hanging up. */
interface FakeLink {
  link: number;
  send(text: string): void;
  drop(): void;
}

/**
 * The router's side of the gateway link, played by the conformance kit: it accepts the adapter's
 * connections on `/gateway` (or its links over NATS), records every frame (and every frame that
 * breaks the contract), and lets the kit send frames and wait for answers.
 */
export class FakeRouter {
  readonly seen: Seen[] = [];
  /** Frames about each attempt, so waiting on a window of them is not a scan of all frames per frame. */
  private readonly byAttempt = new Map<string, GatewayFrame[]>();
  readonly invalid: { link: number; problem: string }[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private current: FakeLink | null = null;
  private bus: { nc: NatsConnection; server: NatsLinkServer } | null = null;
  private links = 0;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  closes: { link: number; code: number }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly token: string | null,
  ) {
    this.http = createServer((_req, res) => res.writeHead(404).end());
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const given = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? url.searchParams.get('token');
      if (url.pathname !== '/gateway' || !given || (this.token && given !== this.token)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((r) => this.http.listen(port, host, () => r()));
    const a = this.http.address() as AddressInfo;
    return `ws://${host}:${a.port}/gateway`;
  }

  /** Plays the router on a NATS server instead (the gateway link over NATS); the adapter's URL is the server's. */
  async listenOnBus(natsUrl: string): Promise<string> {
    const nc = await connect({ ...natsServers(natsUrl), name: 'lifeline-conformance-kit' });
    const server = new NatsLinkServer(nc, async (token) => {
      if (this.token && token !== this.token) return { ok: false, code: 'unauthorized', message: 'expected the kit\'s token' };
      return {
        ok: true,
        key: 'adapter',
        stillValid: () => true,
        open: (peer) => {
          const link = this.attach({ send: (text) => peer.send(text), drop: () => peer.close('router restarting') });
          return {
            receive: (frame) => this.record(link, frame, JSON.stringify(frame)),
            malformed: (message) => this.invalid.push({ link: link.link, problem: message }),
            closed: () => this.detach(link, 1006),
          };
        },
      };
    });
    this.bus = { nc, server };
    return natsUrl;
  }

  get linkCount(): number {
    return this.links;
  }

  get connected(): boolean {
    return this.current !== null;
  }

  /** Connected, and the adapter said hello on this link: sends will be heard. */
  get ready(): boolean {
    const link = this.current?.link;
    return link !== undefined && this.seen.some((s) => s.link === link && s.frame.type === 'hello');
  }

  send(frame: RouterFrame | Record<string, unknown>): void {
    this.current?.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.current?.send(text);
  }

  /** Drops the link as a router restart would; the adapter must come back by itself. */
  drop(): void {
    this.current?.drop();
  }

  /** Resolves when `test` holds, or rejects after `timeoutMs` with `what` in the message. */
  until(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: () => {} };
      const cancel = this.clock.schedule(this.clock.now() + timeoutMs, () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      });
      waiter.resolve = () => {
        cancel();
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  framesOf(attemptId: string): GatewayFrame[] {
    return this.byAttempt.get(attemptId) ?? [];
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.bus?.server.close();
    await this.bus?.nc.drain().catch(() => undefined);
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private accept(ws: WebSocket): void {
    const link = this.attach({ send: (text) => ws.send(text), drop: () => ws.close(1012, 'router restarting') });
    ws.on('message', (data) => {
      const r = readJsonFrame(gatewayFrame, String(data));
      this.record(link, r.ok ? r.value : undefined, String(data), r.ok ? null : r.message);
    });
    ws.on('close', (code) => this.detach(link, code));
  }

  /** A new link of the adapter's: the one the kit talks to (an older one is dropped). */
  private attach(t: Omit<FakeLink, 'link'>): FakeLink {
    const link = { ...t, link: ++this.links };
    this.current?.drop();
    this.current = link;
    this.check();
    return link;
  }

  private detach(link: FakeLink, code: number): void {
    this.closes.push({ link: link.link, code });
    if (this.current === link) this.current = null;
    this.check();
  }

  /** A frame the adapter said on `link`, checked against the contract. */
  private record(link: FakeLink, value: unknown, text: string, problem: string | null = null): void {
    const r = problem === null ? gatewayFrame.safeParse(value) : null;
    if (!r?.success) this.invalid.push({ link: link.link, problem: `${problem ?? 'not a gateway frame'} in ${text.slice(0, 120)}` });
    else {
      this.seen.push({ link: link.link, at: this.clock.now(), frame: r.data });
      if ('attemptId' in r.data) {
        const frames = this.byAttempt.get(r.data.attemptId) ?? [];
        frames.push(r.data);
        this.byAttempt.set(r.data.attemptId, frames);
      }
    }
    this.check();
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (!w.test()) continue;
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }
}
