import { type Clock, SystemClock } from '@lifeline/clock';
import { gatewayFrame as routerBound, readJsonFrame, routerFrame, type GatewayFrame, type SendFrame } from '@lifeline/contracts';
import type { Link } from './link/link';
import { natsLink } from './link/nats-link';
import { wsLink } from './link/ws-link';

import { AttemptLedger } from './attempt-ledger';
import { Backoff } from './backoff';
import type { LinkConfig } from './adapter-config';

export type { SendFrame };

export interface GatewayClientOptions {
  /** The router's gateway link: `ws://127.0.0.1:3000/gateway`, or a NATS server, `nats://127.0.0.1:4222` (`tls://` to insist on TLS). */
  url: string;
  /** A gateway token bound to `channel`. */
  token: string;
  /**
   * Over NATS, with a NATS user of this gateway's own: the name its permissions are written for
   * (`lifeline.gateway.<linkOwner>.*.to` …), carried in the link's subjects (README, "Writing an adapter").
   */
  linkOwner?: string;
  gatewayId: string;
  channel: string;
  /** Areas the gateway reaches now (a drone announces coverage instead and may start with none). */
  areas: string[];
  /** Sends the gateway may hold unanswered; the router never exceeds it. */
  window: number;
  /**
   * Transmit one message. Report how it went with `accepted`, `delivered` or `failed`, now or
   * later. A handler that throws or rejects fails the attempt (retryable).
   */
  onSend: (send: SendFrame) => void | Promise<void>;
  backoff?: { baseMs: number; maxMs: number };
  clock?: Clock;
  random?: () => number;
  log?: (message: string) => void;
}

type Outbound = GatewayFrame;

/** Receipts and replies kept while the link is down; past this the oldest are dropped, logged. */
const OUTBOX_LIMIT = 10_000;
/** Longest a reply waits behind the acceptance of a send to its number (see `reply`). */
const REPLY_HOLD_MS = 10_000;

/**
 * One hardware gateway's side of the gateway link (contract section 5), for adapter processes:
 * connects with back-off and says hello again after every reconnect, answers repeated sends from
 * its ledger instead of transmitting twice, refuses sends past its window, keeps receipts and
 * replies while the link is down, and restores its health and coverage reports after a reconnect
 * (the router forgets them when a link drops).
 */
export class GatewayClient {
  private link: Link | null = null;
  private open = false;
  private stopped = true;
  private cancelRetry: (() => void) | null = null;
  private readonly outbox: Outbound[] = [];
  private readonly ledger: AttemptLedger;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly log: (m: string) => void;
  private lastHealth: Extract<GatewayFrame, { type: 'health' }> | null = null;
  private lastCoverage: Extract<GatewayFrame, { type: 'coverage' }> | null = null;
  /** Attempts handed to the device and not answered yet, by the address they go to, and back. */
  private readonly unansweredTo = new Map<string, Set<string>>();
  private readonly toOf = new Map<string, string>();
  /** Replies from an address with an attempt still unanswered: said once it is. */
  private readonly heldReplies = new Map<string, Outbound[]>();
  readonly stats = { connects: 0, sends: 0, repeats: 0, refused: 0, dropped: 0 };

  constructor(private readonly o: GatewayClientOptions) {
    this.ledger = new AttemptLedger(o.window);
    this.backoff = new Backoff(o.backoff?.baseMs ?? 500, o.backoff?.maxMs ?? 30_000, o.random);
    this.clock = o.clock ?? new SystemClock();
    this.log = o.log ?? (() => {});
  }

  get connected(): boolean {
    return this.open;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    const link = this.link;
    this.link = null;
    this.open = false;
    await link?.close();
  }

  accepted(attemptId: string): void {
    this.emit(this.ledger.accept(attemptId));
    this.answered(attemptId);
  }

  delivered(attemptId: string): void {
    this.emit(this.ledger.deliver(attemptId));
    this.answered(attemptId);
  }

  failed(attemptId: string, reason: string, permanent = false): void {
    this.emit(this.ledger.fail(attemptId, permanent, reason));
    this.answered(attemptId);
  }

  /**
   * A message from a person's terminal (an answer: "A7K2 1", "收到"). One that comes while a send
   * to the same number is still unanswered (a device may bring the answer in the same read as the
   * send's acceptance) waits for that answer: the router counts an answer only from someone the
   * order was sent to, so the acceptance must reach it first.
   */
  reply(from: string, text: string): void {
    // A device can report a sender the router would refuse (none, or a garbled one): such a frame
    // would only count against the link as a bad frame. Dropped here, and said.
    if (from.length < 1 || from.length > 64) return this.log(`a reply from a sender address of ${from.length} characters is not passed on: one has 1 to 64`);
    const frame: Outbound = { type: 'reply', from, text: text.slice(0, 2_000) };
    if (!this.unansweredTo.has(from)) return this.emit([frame]);
    const held = this.heldReplies.get(from);
    if (held) return void held.push(frame);
    this.heldReplies.set(from, [frame]);
    this.clock.schedule(this.clock.now() + REPLY_HOLD_MS, () => this.releaseReplies(from));
  }

  private answered(attemptId: string): void {
    const to = this.toOf.get(attemptId);
    if (to === undefined) return;
    this.toOf.delete(attemptId);
    const ids = this.unansweredTo.get(to)!;
    ids.delete(attemptId);
    if (ids.size) return;
    this.unansweredTo.delete(to);
    this.releaseReplies(to);
  }

  private releaseReplies(to: string): void {
    const held = this.heldReplies.get(to);
    this.heldReplies.delete(to);
    if (held) this.emit(held);
  }

  health(state: 'up' | 'degraded' | 'down', detail?: string, areas: string[] = this.o.areas): void {
    this.lastHealth = { type: 'health', state, areas, ...(detail ? { detail: detail.slice(0, 500) } : {}) };
    if (this.open) this.write(this.lastHealth);
  }

  /** Where the gateway reaches and until when (drones); an empty list withdraws it. */
  coverage(areas: string[], until: Date | number): void {
    this.lastCoverage = { type: 'coverage', areas, until: new Date(until).toISOString() };
    if (this.open) this.write(this.lastCoverage);
  }

  private hello(): Outbound {
    return { type: 'hello', gatewayId: this.o.gatewayId, channel: this.o.channel, areas: this.o.areas, window: this.o.window };
  }

  private emit(frames: Outbound[]): void {
    for (const f of frames) {
      if (this.open) this.write(f);
      else {
        this.outbox.push(f);
        if (this.outbox.length > OUTBOX_LIMIT) {
          this.outbox.shift();
          if (++this.stats.dropped % 1_000 === 1) this.log(`link down: ${this.stats.dropped} receipts dropped so far (outbox full)`);
        }
      }
    }
  }

  private write(frame: Outbound): void {
    this.link?.send(JSON.stringify(frame));
  }

  /**
   * Says what was kept while the link was down. An `accepted` written as the old link closed may
   * be lost with it, so a `delivered` whose acceptance is not in the outbox is preceded by it
   * again (the router ignores a repeated `accepted`).
   */
  private flushOutbox(): void {
    const accepted = new Set<string>();
    for (const f of this.outbox.splice(0)) {
      if (f.type === 'accepted') accepted.add(f.attemptId);
      if (f.type === 'delivered' && !accepted.has(f.attemptId)) this.write({ type: 'accepted', attemptId: f.attemptId });
      this.write(f);
    }
  }

  private connect(): void {
    this.cancelRetry = null;
    if (this.stopped) return;
    const overNats = /^(nats|tls):\/\//.test(this.o.url);
    const link: Link = (overNats ? natsLink : wsLink)(this.o.url, this.o.token, {
      opened: () => {
        if (this.link !== link) return;
        this.open = true;
        this.stats.connects++;
        this.backoff.reset();
        this.write(this.hello());
        if (this.lastHealth) this.write(this.lastHealth);
        if (this.lastCoverage) this.write(this.lastCoverage);
        this.flushOutbox();
      },
      frame: (text) => this.link === link && this.receive(text),
      log: (m) => this.log(m),
      closed: (unsent) => {
        if (this.link !== link) return;
        this.open = false;
        this.link = null;
        // What the router may not have taken goes first on the next link (hello, health and
        // coverage are said again anyway).
        const again = unsent.flatMap((text) => {
          const r = readJsonFrame(routerBound, text);
          return r.ok && !['hello', 'health', 'coverage'].includes(r.value.type) ? [r.value] : [];
        });
        this.outbox.unshift(...again);
        if (this.stopped) return;
        const delay = this.backoff.next();
        this.cancelRetry = this.clock.schedule(this.clock.now() + delay, () => this.connect());
      },
    }, this.o.linkOwner);
    this.link = link;
  }

  private receive(text: string): void {
    const r = readJsonFrame(routerFrame, text);
    if (!r.ok) return this.log(`router frame ignored: ${r.message}`);
    const frame = r.value;
    if (frame.type === 'error') return this.log(`router says ${frame.error.code}: ${frame.error.message}`);
    this.onSend(frame);
  }

  private onSend(send: SendFrame): void {
    const admission = this.ledger.admit(send.attemptId);
    if (admission.kind === 'pending') return void this.stats.repeats++;
    if (admission.kind === 'known') {
      this.stats.repeats++;
      return this.emit(admission.frames);
    }
    if (admission.kind === 'over-window') {
      this.stats.refused++;
      this.write({ type: 'failed', attemptId: send.attemptId, permanent: false, reason: `window of ${this.o.window} full` });
      return;
    }
    this.stats.sends++;
    const ids = this.unansweredTo.get(send.to);
    if (ids) ids.add(send.attemptId);
    else this.unansweredTo.set(send.to, new Set([send.attemptId]));
    this.toOf.set(send.attemptId, send.to);
    const fail = (e: unknown) => this.failed(send.attemptId, `adapter error: ${(e as Error)?.message ?? e}`);
    try {
      void Promise.resolve(this.o.onSend(send)).catch(fail);
    } catch (e) {
      fail(e);
    }
  }
}

/**
 * The client of an adapter whose config holds the link settings (`linkConfig` and its channel):
 * router URL and token, hello and back-off come from the config, the device part from the adapter.
 */
export function clientFromConfig(
  config: LinkConfig & { channel: string },
  o: { clock: Clock; log: (m: string) => void; onSend: GatewayClientOptions['onSend'] },
): GatewayClient {
  return new GatewayClient({
    url: config.router.url, token: config.router.token, linkOwner: config.router.linkOwner, gatewayId: config.gatewayId, channel: config.channel, areas: config.areas,
    window: config.window, backoff: config.reconnect, clock: o.clock, log: (m) => o.log(`router link: ${m}`), onSend: o.onSend,
  });
}
