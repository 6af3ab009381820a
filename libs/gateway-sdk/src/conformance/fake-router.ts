import type { Clock } from '@lifeline/clock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { gatewayFrame, readJsonFrame, type GatewayFrame, type RouterFrame } from '@lifeline/contracts';

export interface Seen {
  link: number;
  at: number;
  frame: GatewayFrame;
}

/**
 * The router's side of the gateway link, played by the conformance kit: it accepts the adapter's
 * connections on `/gateway`, records every frame (and every frame that breaks the contract), and
 * lets the kit send frames and wait for answers.
 */
export class FakeRouter {
  readonly seen: Seen[] = [];
  /** Frames about each attempt, so waiting on a window of them is not a scan of all frames per frame. */
  private readonly byAttempt = new Map<string, GatewayFrame[]>();
  readonly invalid: { link: number; problem: string }[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private current: { ws: WebSocket; link: number } | null = null;
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
    this.current?.ws.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.current?.ws.send(text);
  }

  /** Drops the link as a router restart would; the adapter must come back by itself. */
  drop(): void {
    this.current?.ws.close(1012, 'router restarting');
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
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private accept(ws: WebSocket): void {
    const link = ++this.links;
    this.current?.ws.terminate();
    this.current = { ws, link };
    ws.on('message', (data) => {
      const r = readJsonFrame(gatewayFrame, String(data));
      if (!r.ok) this.invalid.push({ link, problem: `${r.message} in ${String(data).slice(0, 120)}` });
      else {
        this.seen.push({ link, at: this.clock.now(), frame: r.value });
        if ('attemptId' in r.value) {
          const frames = this.byAttempt.get(r.value.attemptId) ?? [];
          frames.push(r.value);
          this.byAttempt.set(r.value.attemptId, frames);
        }
      }
      this.check();
    });
    ws.on('close', (code) => {
      this.closes.push({ link, code });
      if (this.current?.ws === ws) this.current = null;
      this.check();
    });
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
