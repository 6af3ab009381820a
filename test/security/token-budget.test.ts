import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { Principal } from '@lifeline/engine';
import { consoleSocket } from '../../apps/router/src/ws/console.socket';
import { TokenSockets } from '../../apps/router/src/ws/token-sockets';
import { testServer, type TestServer } from '../support/server';
import { unreadSocket as unread } from '../support/unread-socket';

const MB = 1024 * 1024;

describe("a token's budget of unread bytes over all its console sockets", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({ tweak: (c) => c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)) });
    const admin: Principal = { id: 'a', name: 'admin', role: 'admin', areas: null, channel: null };
    const a = await s.lifeline.core.orders.accept(admin, 'budget-1', { priority: 'flash', to: { areas: ['330100'] }, body: '山洪预警：请立即转移。', ackRequired: false, ackWithinS: 600, ttlS: 3600 } as never);
    await s.advance(60_000); // a stream of receipts to replay
    expect(a.deliveries).toBeGreaterThan(100);
  });
  afterAll(async () => s.close());

  /** Opens a console socket of `tokenId` counted in `sockets`, as the upgrade does. */
  const open = (sockets: TokenSockets, tokenId: string) => {
    const ws = unread();
    sockets.take(tokenId, new EventEmitter() as unknown as Duplex)!.ws = ws as unknown as WebSocket;
    consoleSocket(s.lifeline, sockets)(ws as unknown as WebSocket, { id: tokenId, name: tokenId, role: 'console', areas: null, channel: null });
    return ws;
  };
  /** Subscribes again and again without reading, until `ws` holds `bytes` unread or is closed. */
  const fill = async (ws: ReturnType<typeof unread>, bytes: number) => {
    for (let i = 0; i < 5_000 && ws.readyState === 1 && ws.bufferedAmount < bytes; i++) {
      ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', since: 0 })), false);
      await new Promise((r) => setImmediate(r));
    }
  };

  it('closes the socket that takes its token past the budget, long before that socket alone would be too slow', async () => {
    const sockets = new TokenSockets({ sockets: 10, bufferedBytes: 20 * MB });
    const [first, second] = [open(sockets, 'tok-greedy'), open(sockets, 'tok-greedy')];
    await fill(first, 12 * MB);
    expect([first.readyState, first.bufferedAmount > 12 * MB]).toEqual([1, true]); // under its own 16 MB: open
    await fill(second, 16 * MB);
    expect(second.closedWith).toBe(1008);
    expect(second.bufferedAmount).toBeLessThan(12 * MB); // the token's 20 MB, not the socket's 16
    expect(first.bufferedAmount + second.bufferedAmount).toBeLessThan(22 * MB); // the budget and the page that crossed it
    expect(first.readyState).toBe(1);
    // Another token's sockets have budgets of their own.
    const other = open(sockets, 'tok-other');
    await fill(other, 12 * MB);
    expect([other.readyState, other.bufferedAmount > 12 * MB]).toEqual([1, true]);
  });
});
