import { SystemClock } from '@lifeline/clock';
import type { Clock } from '@lifeline/clock';
import { z } from 'zod';
import { id, sendFrame } from '@lifeline/contracts';

import { clientFromConfig, KeyJournal, type GatewayClient, linkConfig, openSerialLine, type SendFrame, type SerialLine } from '@lifeline/gateway-sdk';
import { bds3, rdss2, type Dialect } from './dialects';
import { encodeSentence, fitBits, LEVEL_BITS, parseSentence, SentenceError, type ContentMode } from './rdss';

export const beidouConfig = linkConfig.extend({
  channel: id.default('beidou'),
  serial: z.strictObject({ path: z.string().min(1), baudRate: z.number().int().default(115_200) }),
  protocol: z.enum(['rdss2', 'bds3']).default('rdss2'),
  /** RDSS 2.1 content mode: 0 Chinese, 2 mixed (any text). */
  contentMode: z.union([z.literal(0), z.literal(2)]).default(2),
  bds3: z.strictObject({ encoding: z.number().int().min(1).max(5).default(3), frequencyPoint: z.number().int().min(1).max(5).default(2), confirm: z.boolean().default(true) }).prefault({}),
  /** Message size in bits; without it, the card level's (110 / 408 / 628 / 848), or 14,000 for BDS-3. */
  maxBits: z.number().int().min(16).optional(),
  /**
   * RDSS gives no end-to-end receipt on BDS-2 cards: the satellite's feedback is the strongest
   * evidence there is (95.5 % single-message success measured), so by default it counts as delivered.
   */
  feedbackMeansDelivered: z.boolean().default(true),
  feedbackTimeoutS: z.number().min(0.1).default(10),
  /** Card info is asked again this often; no answer means the terminal is down. */
  probeS: z.number().min(0.1).default(60),
});
export type BeidouConfig = z.output<typeof beidouConfig>;

interface Card {
  address: string;
  intervalMs: number;
  level: number;
}

/**
 * A Beidou terminal on a serial line: card info (`$CCICA` / `$BDICI`) sets the service interval and
 * message size, one send at a time at most once per interval, the terminal's feedback accepts or
 * refuses it (an interval not reached is waited out), received messages become replies.
 */
export class BeidouAdapter {
  readonly client: GatewayClient;
  private line: SerialLine | null = null;
  private readonly queue: SendFrame[] = [];
  private current: { send: SendFrame; cancel: () => void } | null = null;
  /** The send awaiting the terminal's feedback, on disk when the config names a state file: a restart keeps it. */
  private readonly journal: KeyJournal<SendFrame> | null;
  private nextAllowed = 0;
  private wake: (() => void) | null = null;
  private card: Card | null = null;
  private cardAsked = false;
  private stopProbe: (() => void) | null = null;
  private readonly dialect: Dialect;
  readonly stats = { sent: 0, refused: 0, waited: 0 };

  constructor(
    private readonly config: BeidouConfig,
    private readonly log: (m: string) => void = () => {},
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.dialect = config.protocol === 'bds3' ? bds3(config.bds3.encoding, config.bds3.frequencyPoint, config.bds3.confirm) : rdss2(config.contentMode as ContentMode);
    this.client = clientFromConfig(config, {
      clock,
      log,
      onSend: (f) => {
        if (!/^\d{1,7}$/.test(f.to)) return this.client.failed(f.attemptId, `${f.to} is not a Beidou card address`, true);
        // The router sends again what it has no answer for (after this adapter's restart, or a
        // link blip): the one on air, kept in the state file, or one already waiting, goes once.
        if (this.current?.send.attemptId === f.attemptId || this.queue.some((q) => q.attemptId === f.attemptId)) return;
        this.queue.push(f);
        this.pump();
      },
    });
    this.journal = config.stateFile ? new KeyJournal(config.stateFile, sendFrame) : null;
    if (this.journal?.ignored) log(`state file ${config.stateFile}: ${this.journal.ignored} entries not understood, left out`);
    const kept = this.journal?.entries().find(([k]) => k === 'current')?.[1];
    // Sent before a restart and not yet fed back: the terminal's feedback (held by the serial
    // line) settles it, instead of the router sending it over the satellite a second time.
    if (kept) this.current = { send: kept, cancel: this.feedbackTimer(kept) };
  }

  async start(): Promise<void> {
    this.client.health('down', 'no card info from the terminal yet');
    this.line = await openSerialLine(this.config.serial.path, this.config.serial.baudRate, (l) => this.receive(l), (m) => this.log(m));
    this.client.start();
    this.probe();
  }

  async stop(): Promise<void> {
    this.stopProbe?.();
    this.wake?.();
    this.current?.cancel();
    await this.client.stop();
    await this.line?.close();
    this.journal?.close();
  }

  get maxBits(): number {
    if (this.config.maxBits) return this.config.maxBits;
    if (this.config.protocol === 'bds3') return 14_000;
    return LEVEL_BITS[this.card?.level ?? 1] ?? 110;
  }

  private probe(): void {
    if (this.cardAsked && this.card === null) this.client.health('down', 'the terminal does not answer');
    this.card = null;
    this.cardAsked = true;
    this.line?.write(encodeSentence('CC', 'ICA', [0, '00']));
    this.stopProbe = this.clock.schedule(this.clock.now() + this.config.probeS * 1000, () => this.probe());
  }

  /** Sends the next message once the card may: one at a time, one per service interval. */
  private pump(): void {
    if (this.current || !this.queue.length || !this.line) return;
    const now = this.clock.now();
    if (now < this.nextAllowed) {
      if (!this.wake) this.wake = this.clock.schedule(this.nextAllowed, () => ((this.wake = null), this.pump()));
      return;
    }
    const send = this.queue.shift()!;
    const text = fitBits(send.text, this.maxBits, this.config.protocol === 'bds3' ? 0 : (this.config.contentMode as ContentMode));
    // On disk before it goes on air (one send a minute: the fsync costs nothing here).
    this.journal?.set('current', send);
    this.journal?.syncNow();
    this.line.write(this.dialect.send(send.to, text, send.priority === 'flash' || send.priority === 'immediate'));
    this.current = { send, cancel: this.feedbackTimer(send) };
    // Taken: on the line and, with a state file, kept until its feedback, which settles it even
    // after a restart (the router ignores an accepted said again after a refused interval). Only
    // when the feedback says delivered: otherwise accepted is the last word, and the router's
    // presumeDeliveredS counts from it, so it waits for the satellite's yes (a refusal after it
    // would come too late to send the order another way).
    if (this.config.feedbackMeansDelivered) this.client.accepted(send.attemptId);
  }

  private feedbackTimer(send: SendFrame): () => void {
    return this.clock.schedule(this.clock.now() + this.config.feedbackTimeoutS * 1000, () => {
      this.settled();
      this.client.failed(send.attemptId, `no feedback from the terminal in ${this.config.feedbackTimeoutS}s`);
      this.pump();
    });
  }

  private settled(): void {
    this.current = null;
    this.journal?.delete('current');
  }

  private receive(raw: string): void {
    let s;
    try {
      s = parseSentence(raw);
    } catch (e) {
      if (e instanceof SentenceError) return this.log(`line ignored: ${e.message}`);
      throw e;
    }
    if (s.type === 'ICI') return this.cardInfo(s.fields);
    const fb = this.dialect.feedback(s);
    if (fb) return this.feedback(fb);
    try {
      const r = this.dialect.received(s);
      if (r) this.client.reply(r.from, r.text);
    } catch (e) {
      // The message, not the sentence: it names what failed, never the card number or the text.
      this.log(`$${s.talker}${s.type} ignored: ${e instanceof SentenceError ? e.message : (e as Error).name}`);
    }
  }

  private cardInfo(f: string[]): void {
    // A terminal without a card (or with one it cannot read) answers with an empty or zero address.
    if (!/[1-9]/.test(f[0] ?? '')) {
      this.card = null;
      this.cardAsked = false; // it answers: the next probe asks again without calling it silent
      return this.client.health('down', 'no card in the terminal');
    }
    const intervalS = Number(f[4]);
    this.card = { address: f[0], intervalMs: Number.isFinite(intervalS) ? waitOf(intervalS * 1000) : 60_000, level: Number(f[5]) || 1 };
    this.client.health('up', `card ${this.card.address}, level ${this.card.level}, one send per ${intervalS} s`);
  }

  private feedback(fb: { ok: boolean; waitMs: number; reason: string }): void {
    const c = this.current;
    if (!c) return;
    fb = { ...fb, waitMs: waitOf(fb.waitMs) };
    c.cancel();
    this.settled();
    const interval = this.card?.intervalMs ?? 60_000;
    if (fb.ok) {
      this.stats.sent++;
      this.nextAllowed = this.clock.now() + Math.max(fb.waitMs, interval);
      if (this.config.feedbackMeansDelivered) this.client.delivered(c.send.attemptId);
      else this.client.accepted(c.send.attemptId);
    } else if (fb.reason === 'service interval not reached') {
      this.stats.waited++;
      this.queue.unshift(c.send);
      this.nextAllowed = this.clock.now() + (fb.waitMs || interval);
    } else {
      this.stats.refused++;
      this.client.failed(c.send.attemptId, `terminal: ${fb.reason}`);
    }
    this.pump();
  }
}

/** The longest wait a terminal may ask for between sends: a card's interval is a minute or so. */
const MAX_WAIT_MS = 3_600_000;

/**
 * A wait the terminal reported, within reason: a value that is not a number counts as none (the
 * card's interval applies), and one past an hour as an hour, so that one garbled feedback
 * sentence cannot hold the queue for years, or skip the interval.
 */
export function waitOf(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_WAIT_MS, Math.max(0, ms)) : 0;
}
