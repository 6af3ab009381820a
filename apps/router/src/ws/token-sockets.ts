import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export interface TokenSocketLimits {
  /** Open WebSockets per token id, `/ws` and `/gateway` together. */
  sockets: number;
  /** Bytes waiting unread on all of one token's sockets together. */
  bufferedBytes: number;
}

/**
 * A socket's own buffer is looked at on every frame; the token's sum only once a socket holds
 * more than this unread (a client that reads never gets here, and a replay pauses at 4 MB), so
 * the sum costs nothing in the common case. A token's unread bytes stay below its budget plus
 * this much per socket.
 */
const SUM_ABOVE = 1024 * 1024;

/**
 * The WebSockets each token holds open, across `/ws` and `/gateway`: one token may not open more
 * than `limits.sockets`, nor make the router hold more than `limits.bufferedBytes` for it by
 * reading none of them (each socket is closed past 16 MB on its own; a hundred of them would
 * still be gigabytes). Memory is the sockets open, nothing more.
 */
export class TokenSockets {
  private readonly open = new Map<string, Set<{ ws: WebSocket | null }>>();

  constructor(private readonly limits: TokenSocketLimits) {}

  /**
   * Counts `socket` for `tokenId` until it closes, or says no (null) when the token is at its
   * cap. Called right before the handshake, with no await in between: two upgrades of one token
   * cannot both take the last place. The caller sets `ws` once the socket is upgraded.
   */
  take(tokenId: string, socket: Duplex): { ws: WebSocket | null } | null {
    let mine = this.open.get(tokenId);
    if (mine && mine.size >= this.limits.sockets) return null;
    if (!mine) this.open.set(tokenId, (mine = new Set()));
    const held = { ws: null as WebSocket | null };
    mine.add(held);
    const set = mine;
    socket.once('close', () => {
      set.delete(held);
      if (!set.size && this.open.get(tokenId) === set) this.open.delete(tokenId);
    });
    return held;
  }

  count(tokenId: string): number {
    return this.open.get(tokenId)?.size ?? 0;
  }

  /** Whether `ws` (of `tokenId`) may take more: false once the token's sockets hold its budget unread. */
  mayBuffer(tokenId: string, ws: WebSocket): boolean {
    if (ws.bufferedAmount <= SUM_ABOVE) return true;
    let sum = 0;
    for (const h of this.open.get(tokenId) ?? []) sum += h.ws?.bufferedAmount ?? 0;
    return sum <= this.limits.bufferedBytes;
  }
}
