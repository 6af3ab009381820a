import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ActiveWriter } from '@lifeline/store';

/**
 * What a standby node serves on the router's port while it waits for the writer lease: `/health`
 * answers `503 {"status":"standby"}` (a load balancer's health check sends clients to the active
 * node), every other request and every WebSocket upgrade `503` with `Retry-After`, naming the
 * active node. It parses nothing but the request line: nothing a client sends can do more.
 */
export class StandbyListener {
  private active: ActiveWriter | null = null;

  private constructor(
    private readonly server: Server,
    /** Every socket accepted, upgraded ones included (the http server forgets those). */
    private readonly sockets: Set<Socket>,
    readonly node: string,
    readonly url: string,
    readonly port: number,
  ) {}

  static async listen(host: string, port: number, node: string, maxConnections: number): Promise<StandbyListener> {
    let self: StandbyListener | null = null;
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => self!.answer(req, res));
    server.headersTimeout = 15_000;
    server.requestTimeout = 60_000;
    server.maxConnections = maxConnections;
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => undefined);
      // Answered and cut: a client that keeps its side open must not hold the port (destroy, not end).
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    server.on('error', () => undefined); // an accept that fails (out of file handles) refuses one client, not the node
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    self = new StandbyListener(server, sockets, node, `http://${host}:${bound}`, bound);
    return self;
  }

  /** Who writes now, as the lease says: for the answers. */
  report(active: ActiveWriter | null): void {
    this.active = active;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const active = this.active?.node;
    const health = req.method === 'GET' && (req.url ?? '').split('?')[0] === '/health';
    const body = health
      ? { status: 'standby', node: this.node, ...(active ? { active } : {}) }
      : { error: { code: 'standby', message: `this node (${this.node}) is a standby${active ? `; ${active} is active` : ''}: try the active node, or again shortly` } };
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
    res.end(JSON.stringify(body));
    req.resume();
  }

  /** Frees the port for the router proper, cutting whatever is still connected, upgraded or not. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
