import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { TokenSockets } from './token-sockets';

const MB = 1024 * 1024;
const socket = () => new EventEmitter() as unknown as Duplex;
const ws = (bufferedAmount: number) => ({ bufferedAmount }) as WebSocket;

describe('TokenSockets', () => {
  it('counts a token\'s sockets until they close, and says no past its cap', () => {
    const t = new TokenSockets({ sockets: 2, bufferedBytes: 64 * MB });
    const [a, b, c] = [socket(), socket(), socket()];
    expect(t.take('tok-1', a)).not.toBeNull();
    expect(t.take('tok-1', b)).not.toBeNull();
    expect(t.take('tok-1', c)).toBeNull();
    expect(t.take('tok-2', c)).not.toBeNull(); // another token has places of its own
    a.emit('close');
    expect(t.count('tok-1')).toBe(1);
    expect(t.take('tok-1', socket())).not.toBeNull();
  });

  it('holds a token to its budget of unread bytes over all its sockets', () => {
    const t = new TokenSockets({ sockets: 10, bufferedBytes: 20 * MB });
    const held = [socket(), socket(), socket()].map((s) => t.take('tok-1', s)!);
    const other = t.take('tok-2', socket())!;
    [held[0].ws, held[1].ws, held[2].ws, other.ws] = [ws(9 * MB), ws(9 * MB), ws(512 * 1024), ws(15 * MB)];
    // Each socket is under its own limit; together the token's are 18.5 MB of 20.
    expect(t.mayBuffer('tok-1', held[0].ws!)).toBe(true);
    held[2].ws = ws(3 * MB);
    expect(t.mayBuffer('tok-1', held[2].ws)).toBe(false); // 21 MB: the socket adding to it is refused
    expect(t.mayBuffer('tok-2', other.ws!)).toBe(true); // another token's bytes are its own
    // A socket that reads (under 1 MB waiting) is never held to the sum: that costs nothing.
    held[2].ws = ws(100);
    held[0].ws = ws(30 * MB);
    expect(t.mayBuffer('tok-1', held[2].ws)).toBe(true);
  });
});
