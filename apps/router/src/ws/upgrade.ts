import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal, NodeCore } from '@lifeline/engine';
import { notJson } from '@lifeline/contracts';
import { allowed, upgradeToken } from '../auth/auth.service';
import { clientAddress } from '../auth/auth.guard';
import type { Lifeline } from '../lifeline';
import type { TokenSockets } from './token-sockets';

export type SocketHandler = (ws: WebSocket, principal: Principal, req: IncomingMessage) => void;

/** A WebSocket endpoint: who may open it, and what serves it. */
export interface SocketRoute {
  /** Roles that may open it; admin too, unless `only`. */
  roles: Principal['role'][];
  /** Only these roles, not admin: a gateway link needs a token bound to a channel. */
  only?: boolean;
  handler?: SocketHandler;
  /** Not served on this node, and why: refused with 503 before any token is looked at. */
  unavailable?: string;
}

/** Frames larger than this are refused (the connection closes with 1009, as ws does). */
export const MAX_FRAME = 1024 * 1024;

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };
const CODES: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 429: 'too_many_failures', 503: 'not_active' };

/** A token's sockets past `security.maxSocketsPerToken`: come back once one of them has closed. */
const SOCKETS_RETRY_AFTER_S = 5;

/** Answers a refused upgrade in plain HTTP, with the API's error body and headers, and hangs up. */
function refuse(socket: Duplex, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
    ...extra,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\n${head}\r\n${body}`);
}

/**
 * The path and query of an upgrade's request target. Only origin-form targets (`/path?query`)
 * are taken; anything else (`//host`, `http://...`, `*`, a malformed URL) is null: refused, never
 * thrown. A throw here would end the process: nothing above an `upgrade` listener catches.
 */
export function requestTarget(url: string | undefined): { path: string; query: URLSearchParams } | null {
  if (!url || url[0] !== '/' || url[1] === '/' || url.length > 8192) return null;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!/^[\x21-\x7e]*$/.test(path)) return null;
  return { path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) };
}

/**
 * Routes WebSocket upgrades by path and authenticates them before the handshake completes:
 * `/ws` for consoles, `/gateway` for hardware gateways. Every way a client can misbehave here
 * (a strange target, a bad token, a reset mid-refusal) ends that connection, never the process.
 */
export function attachSockets(server: Server, lifeline: Lifeline<NodeCore>, routes: Record<string, SocketRoute>, tokenSockets: TokenSockets, pingMs: number): () => void {
  const no = (socket: Duplex, status: number, message: string, extra?: Record<string, string>, code = CODES[status]) => {
    lifeline.metrics.rejected('upgrade', code);
    refuse(socket, status, code, message, extra);
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  // A peer can vanish without a close (asleep, unplugged, a NAT's state gone): its socket would
  // hold its token's and its address's places for ever. Each is pinged, and one that did not
  // answer the ping before is ended (browsers and the SDK answer pings by themselves). A plain
  // timer: it measures the network, which the router's clock does not move.
  const answered = new WeakSet<WebSocket>();
  const beat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!answered.delete(ws)) ws.terminate();
      else ws.ping();
    }
  }, pingMs);
  beat.unref();
  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = requestTarget(req.url);
    if (!target) return no(socket, 400, 'expected a request target like /ws or /gateway');
    const route = Object.hasOwn(routes, target.path) ? routes[target.path] : undefined;
    if (!route) return no(socket, 404, 'no WebSocket endpoint here: /ws for consoles, /gateway for gateways');
    if (route.unavailable || !route.handler) return no(socket, 503, route.unavailable ?? 'not served here', { 'Retry-After': '1' });
    const handler = route.handler;
    const r = await lifeline.auth.check(upgradeToken(req.headers.authorization, target.query), clientAddress(req));
    if (!r.principal) {
      if (r.retryAfterS > 0) return no(socket, 429, `too many failed authentications from this address: retry in ${r.retryAfterS} s`, { 'Retry-After': String(r.retryAfterS) });
      return no(socket, 401, 'expected a valid token: Authorization: Bearer <token> or ?token=');
    }
    const p = r.principal;
    if (route.only ? !route.roles.includes(p.role) : !allowed(p, route.roles)) return no(socket, 403, `a ${p.role} token may not open ${target.path}`);
    if (socket.destroyed) return; // the client left while its token was checked
    // Counted from here to the socket's close, with no await before the handshake: two upgrades
    // of one token cannot both take its last place.
    const held = tokenSockets.take(p.id, socket);
    if (!held)
      return no(socket, 429, `this token has ${tokenSockets.count(p.id)} sockets open, its most (security.maxSocketsPerToken): close one, or retry in ${SOCKETS_RETRY_AFTER_S} s`, { 'Retry-After': String(SOCKETS_RETRY_AFTER_S) }, 'too_many_sockets');
    wss.handleUpgrade(req, socket, head, (ws) => {
      held.ws = ws;
      answered.add(ws);
      ws.on('pong', () => answered.add(ws));
      // Oversized frames and invalid UTF-8 close the socket (1009, 1007); unheard, they would end the process.
      ws.on('error', (e) => lifeline.log.warn(`${target.path}: ${e.message}; connection closed`, { tokenId: p.id }));
      handler(ws, p, req);
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node gives an upgraded socket no error listener: a client resetting the connection while it
    // is refused or handed to ws would otherwise be an uncaught 'error'. Resets are routine here.
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((e) => {
      lifeline.log.error('upgrade failed', { address: clientAddress(req), err: (e as Error).stack ?? String(e) });
      socket.destroy();
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    clearInterval(beat);
    server.off('upgrade', onUpgrade);
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
    return { ok: false, message: notJson(e) };
  }
}
