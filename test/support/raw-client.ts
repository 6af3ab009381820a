import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Clients that do what polite ones never do, byte by byte over TCP: malformed requests, resets at
 * any step, upgrades answered by a hand-made WebSocket that ignores close frames.
 */

export interface RawAnswer {
  /** The HTTP status of the first response line, or null when none came. */
  status: number | null;
  /** Everything the server sent, as text. */
  text: string;
  /** How it ended: the server closed, the client reset, or nothing happened in time. */
  end: 'closed' | 'reset' | 'timeout';
}

/** Where to connect, and from which local address (any of 127/8 on Linux: another client's address). */
function hostPort(url: string, localAddress?: string): { host: string; port: number; localAddress?: string } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), ...(localAddress ? { localAddress } : {}) };
}

/**
 * Writes `parts` (with `gapMs` between them), then either waits for the server to answer and
 * close, resets at once (`reset`), or half-closes (`halfClose`). Never throws.
 */
export function rawRequest(
  url: string,
  parts: (string | Buffer)[],
  o: { reset?: boolean; halfClose?: boolean; gapMs?: number; timeoutMs?: number; localAddress?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (end: RawAnswer['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, end });
      socket.destroy();
    };
    const socket: Socket = connect(hostPort(url, o.localAddress), async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
        if (socket.destroyed) return;
        socket.write(part);
      }
      if (o.reset) {
        socket.resetAndDestroy();
        done('reset');
      } else if (o.halfClose) socket.end();
    });
    socket.on('data', (d) => {
      chunks.push(d);
      if (answered(Buffer.concat(chunks))) done('closed');
    });
    socket.on('error', () => done('closed'));
    socket.on('close', () => done('closed'));
    // Generous: a request answered returns at once, and a loaded machine (CI) may take seconds.
    const timer = setTimeout(() => done('timeout'), o.timeoutMs ?? 15_000);
  });
}

/** A whole response is in: a 101's head, or a head and its Content-Length of body. */
function answered(b: Buffer): boolean {
  const end = b.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = b.subarray(0, end).toString('latin1');
  if (/^HTTP\/1\.1 101/.test(head)) return true;
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  return cl !== null && b.length - end - 4 >= Number(cl[1]);
}

export const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The bytes of a WebSocket upgrade request. */
export function upgradeRequest(target: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: 'lifeline',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': WS_KEY,
    ...headers,
  };
  return `GET ${target} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** One client frame (clients must mask): opcode 1 text, 2 binary, 8 close, 9 ping. */
export function clientFrame(opcode: number, payload: Buffer | string, o: { fin?: boolean; mask?: boolean; length?: bigint } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const mask = o.mask ?? true;
  const len = o.length ?? BigInt(data.length);
  let head: Buffer;
  if (len < 126n) head = Buffer.from([(o.fin ?? true ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    head = Buffer.alloc(4);
    head[0] = (o.fin ?? true ? 0x80 : 0) | opcode;
    head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(Number(len), 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (o.fin ?? true ? 0x80 : 0) | opcode;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(len, 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([head, key, masked]);
}

/**
 * A WebSocket client written by hand: it reads text and close frames and answers nothing, not
 * even a close frame, so the server must stop listening to it by itself.
 */
export class StubbornSocket {
  readonly texts: string[] = [];
  closeCode: number | null = null;
  closed = false;
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  private readonly waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(
    private readonly socket: Socket,
    onUpgrade: () => void,
    onRefused: (firstLine: string) => void,
  ) {
    socket.on('data', (d) => {
      const was = this.upgraded;
      this.read(d);
      if (!was && this.upgraded) onUpgrade();
      this.wake();
    });
    const closed = () => {
      this.closed = true;
      if (!this.upgraded) onRefused(this.buffer.toString('latin1').split('\r\n')[0]);
      this.wake();
    };
    socket.on('close', closed);
    socket.on('error', closed);
  }

  /** Opens `target` with `headers`; resolves once the server answered 101, rejects otherwise. */
  static open(url: string, target: string, headers: Record<string, string>, o: { localAddress?: string } = {}): Promise<StubbornSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(hostPort(url, o.localAddress), () => socket.write(upgradeRequest(target, headers)));
      const s: StubbornSocket = new StubbornSocket(socket, () => resolve(s), (line) => reject(new Error(`upgrade refused: ${line}`)));
    });
  }

  /**
   * Resolves when `pred` holds (checked at every read and at close); rejects after `timeoutMs`
   * so that a router that never answers fails the test instead of hanging it.
   */
  until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the router within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (w.pred()) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  private read(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!this.buffer.subarray(0, 12).toString('latin1').includes('101')) {
        this.socket.destroy();
        return;
      }
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0] & 0x0f;
      let len = this.buffer[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buffer.length < 4) return;
        len = this.buffer.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) return;
        len = Number(this.buffer.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buffer.length < off + len) return;
      const payload = this.buffer.subarray(off, off + len);
      this.buffer = this.buffer.subarray(off + len);
      if (opcode === 1) this.texts.push(payload.toString('utf8'));
      else if (opcode === 8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
  }

  /** Sends a text frame, whatever the server said before. */
  send(frame: unknown): void {
    if (!this.closed) this.socket.write(clientFrame(1, typeof frame === 'string' ? frame : JSON.stringify(frame)));
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  frames(): Record<string, unknown>[] {
    return this.texts.map((t) => JSON.parse(t) as Record<string, unknown>);
  }

  /** Half-closes: the client sends no more, and goes on reading. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * A client that sends its request headers a line every `everyMs` (0: the request line, then
 * nothing), never finishing them: it holds its connection until the server's headers timeout
 * cuts it, or `close()`. `connected` resolves once the TCP connection is made; `cut` once it is
 * closed, by either side.
 */
export function slowClient(url: string, o: { localAddress?: string; everyMs?: number } = {}): { connected: Promise<void>; cut: Promise<void>; close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const socket = connect(hostPort(url, o.localAddress));
  const connected = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      if (o.everyMs !== 0) timer = setInterval(() => socket.write('X-Slow: 1\r\n'), o.everyMs ?? 200);
      resolve();
    }),
  );
  const cut = new Promise<void>((resolve) => socket.once('close', () => (clearInterval(timer), resolve())));
  socket.on('error', () => undefined);
  return { connected, cut, close: () => socket.destroy() };
}
