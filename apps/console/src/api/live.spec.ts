import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LiveStream, type LiveState, type RouterFrame } from './live';

/** A WebSocket double: records what the console sends; the test plays the router. */
class FakeSocket {
  static all: FakeSocket[] = [];
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string) {
    this.sent.push(JSON.parse(s));
  }
  close() {}
  open() {
    this.onopen?.();
  }
  frame(f: unknown) {
    this.onmessage?.({ data: typeof f === 'string' ? f : JSON.stringify(f) });
  }
  drop(code = 1006) {
    this.onclose?.({ code });
  }
}

const receipt = (seq: number) => ({ type: 'receipt', seq, orderId: 'o-1', deliveryId: 'o-1:p-1', personId: 'p-1', status: 'sent', channel: 'public', attempt: 1, at: '2026-12-02T08:00:00Z', detail: null });

describe('the live stream', () => {
  const g = globalThis as Record<string, unknown>;
  let frames: RouterFrame[];
  let states: LiveState[];
  let stream: LiveStream;
  beforeEach(() => {
    jest.useFakeTimers();
    FakeSocket.all = [];
    g.WebSocket = FakeSocket;
    g.location = { protocol: 'http:', host: '127.0.0.1:3000' };
    frames = [];
    states = [];
    stream = new LiveStream('tok en', (f) => frames.push(f), (s) => states.push(s));
    stream.start();
  });
  afterEach(() => {
    stream.stop();
    jest.useRealTimers();
    delete g.WebSocket;
    delete g.location;
  });

  it('connects to /ws on the same host with the token, and subscribes live', () => {
    const ws = FakeSocket.all[0];
    expect(ws.url).toBe('ws://127.0.0.1:3000/ws?token=tok%20en');
    ws.open();
    expect(ws.sent).toEqual([{ type: 'subscribe' }]);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('after a drop, reconnects with back-off and subscribes since the last seq: nothing missed, nothing twice', () => {
    const first = FakeSocket.all[0];
    first.open();
    first.frame(receipt(7));
    first.frame(receipt(8));
    first.drop();
    expect(states.at(-1)).toBe('reconnecting');
    expect(FakeSocket.all).toHaveLength(1);
    jest.advanceTimersByTime(1_000);
    const second = FakeSocket.all[1];
    second.open();
    expect(second.sent).toEqual([{ type: 'subscribe', since: 8 }]);
    second.frame(receipt(8)); // replayed at the seam: not shown again
    second.frame(receipt(9));
    expect(frames.map((f) => (f as { seq: number }).seq)).toEqual([7, 8, 9]);
  });

  it('backs off longer while the router stays away', () => {
    FakeSocket.all[0].drop();
    jest.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].drop();
    jest.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
    jest.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(3);
  });

  it('ignores and counts frames that break the contract', () => {
    const ws = FakeSocket.all[0];
    ws.open();
    ws.frame('not json');
    ws.frame({ type: 'receipt', seq: 'x' });
    ws.frame({ type: 'nonsense' });
    ws.frame({ type: 'channel', seq: 3, channel: 'public', area: '330102', state: 'down', at: '2026-12-02T08:00:00Z' });
    expect(stream.ignored).toBe(3);
    expect(frames.map((f) => f.type)).toEqual(['channel']);
  });

  it('a revoked token (4401) is not retried', () => {
    FakeSocket.all[0].open();
    FakeSocket.all[0].drop(4401);
    jest.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(states.at(-1)).toBe('revoked');
  });
});
