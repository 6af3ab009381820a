import { EventEmitter } from 'node:events';

/**
 * A WebSocket whose client never reads: what is sent stays buffered, as over a stalled TCP window;
 * `close` starts a close that waits behind the unread data, `terminate` ends it at once.
 */
export function unreadSocket() {
  const ws = Object.assign(new EventEmitter(), {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    closedWith: null as number | null,
    send(data: string) {
      this.bufferedAmount += Buffer.byteLength(data);
    },
    close(code: number) {
      ws.closedWith = code;
      ws.readyState = 2; // closing: the close frame waits behind the unread data
    },
    terminate() {
      ws.readyState = 3;
      ws.emit('close');
    },
  });
  return ws;
}
