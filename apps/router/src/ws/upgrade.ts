import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '@lifeline/engine';
import { allowed, bearer } from '../auth/auth.service';
import type { Lifeline } from '../lifeline';

export type SocketHandler = (ws: WebSocket, principal: Principal, req: IncomingMessage) => void;

/** Frames larger than this are refused (the connection closes with 1009, as ws does). */
export const MAX_FRAME = 1024 * 1024;

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : 'forbidden', message } });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Routes WebSocket upgrades by path and authenticates them before the handshake completes:
 * `/ws` for consoles, `/gateway` for hardware gateways.
 */
export function attachSockets(server: Server, lifeline: Lifeline, routes: Record<string, { roles: Principal['role'][]; handler: SocketHandler }>): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes[path];
    if (!route) return refuse(socket, 403, `no WebSocket endpoint at ${path}`);
    const p = lifeline.auth.authenticate(bearer(req.headers.authorization, req.url));
    if (!p) return refuse(socket, 401, 'expected a valid token: Authorization: Bearer <token> or ?token=');
    if (!allowed(p, route.roles)) return refuse(socket, 403, `a ${p.role} token may not open ${path}`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Oversized frames and invalid UTF-8 close the socket (1009, 1007); unheard, they would end the process.
      ws.on('error', (e) => lifeline.log(`${path}: ${p.id}: ${e.message}; connection closed`));
      route.handler(ws, p, req);
    });
  };
  server.on('upgrade', onUpgrade);
  const revoked = lifeline.auth.revoked$.subscribe((id) => {
    for (const ws of wss.clients) if ((ws as WebSocket & { principalId?: string }).principalId === id) ws.close(4401, 'token revoked');
  });
  return () => {
    server.off('upgrade', onUpgrade);
    revoked.unsubscribe();
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  };
}

/** Parses a text frame as JSON; binary and invalid UTF-8 count as malformed. */
export function readJson(data: unknown, isBinary: boolean): { ok: true; value: unknown } | { ok: false; message: string } {
  if (isBinary) return { ok: false, message: 'expected a JSON text frame' };
  try {
    return { ok: true, value: JSON.parse(String(data)) };
  } catch (e) {
    return { ok: false, message: `expected JSON: ${(e as Error).message}` };
  }
}
