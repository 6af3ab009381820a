import { routerToConsoleFrame } from '@lifeline/contracts';
import type { z } from 'zod';

export type RouterFrame = z.output<typeof routerToConsoleFrame>;
export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'revoked';

const BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000];

/**
 * The console's live stream (`GET /ws`): every frame checked against the contract's schema, the
 * last `seq` kept, and after a dropped connection a new one that subscribes `since` that seq, so
 * nothing is missed or shown twice. A revoked token (4401) is not retried.
 */
export class LiveStream {
  private ws: WebSocket | null = null;
  private lastSeq: number | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Frames that did not match the contract: counted, never acted on. */
  ignored = 0;

  constructor(
    private readonly token: string,
    private readonly onFrame: (f: RouterFrame) => void,
    private readonly onState: (s: LiveState) => void,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close();
  }

  send(frame: unknown): void {
    this.ws?.send(JSON.stringify(frame));
  }

  private connect(): void {
    this.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      // First time live only (the views load their state over HTTP); after a drop, since the last seq.
      ws.send(JSON.stringify(this.lastSeq === null ? { type: 'subscribe' } : { type: 'subscribe', since: this.lastSeq }));
      this.onState('open');
    };
    ws.onmessage = (m) => {
      let frame: RouterFrame;
      try {
        const parsed = routerToConsoleFrame.safeParse(JSON.parse(String(m.data)));
        if (!parsed.success) return void this.ignored++;
        frame = parsed.data;
      } catch {
        return void this.ignored++;
      }
      const seq = 'seq' in frame && typeof frame.seq === 'number' ? frame.seq : null;
      if (seq !== null) {
        if (this.lastSeq !== null && seq <= this.lastSeq) return; // already shown
        this.lastSeq = seq;
      }
      this.onFrame(frame);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws || this.stopped) return;
      if (e.code === 4401) return this.onState('revoked');
      this.onState('reconnecting');
      this.timer = setTimeout(() => this.connect(), BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)]);
    };
  }
}
