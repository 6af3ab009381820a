
import { type Clock, SystemClock } from '@lifeline/clock';
import { openSerialLine, type SerialLine } from '@lifeline/gateway-sdk';
import * as iconv from 'iconv-lite';
import { between } from '@lifeline/domain';
import { contentBits, decodeContent, encodeContent, encodeSentence, LEVEL_BITS, mmss, parseSentence, type ContentMode } from '../../gateway-beidou/src/rdss';
import { answerTo } from './answer';
import { PieceWriter } from './pieces';

export interface BeidouTerminalOptions {
  /** The terminal's end of the serial line (a pty in tests). */
  path: string;
  address: string;
  /** The card's service interval (s) and level. */
  intervalS: number;
  level: number;
  replyProbability?: number;
  /**
   * How answers come: in mixed mode as hex (the default), or in Chinese mode with the GB2312
   * bytes themselves in the sentence, as some terminals send them.
   */
  replies?: { mode?: 'mixed' | 'chinese-raw' };
  /** Checksums in lower case on every sentence it says (`$BDICI`, `$BDFKI`, `$BDTXR`), as some firmware writes them. */
  lowercaseChecksums?: boolean;
  /** Output in pieces of one to three bytes, a millisecond apart, as a slow serial line gives it. */
  pieces?: boolean;
  /**
   * The satellite's feedback on a send comes this long after it (ms): the terminal transmits and
   * waits for the satellite's answer. Without it, at once.
   */
  feedbackMs?: [number, number];
  clock?: Clock;
  random?: () => number;
  log?: (m: string) => void;
}

/**
 * A Beidou RDSS 2.1 terminal on a serial line for tests and demos: answers card info, takes
 * `$CCTXA` no more than once per service interval (`$BDFKI` with the wait otherwise), and lets
 * the people it sent to answer with `$BDTXR`. Faults: no signal (answers nothing), refusals.
 * Field habits, each switched on by an option: raw GB2312 answers, lowercase checksums, output in
 * small pieces, slow feedback.
 */
export class BeidouTerminalSimulator {
  readonly sent: { to: string; text: string }[] = [];
  /** Answer nothing at all: no signal, or the terminal is off. */
  silent = false;
  /** Refuse the next N sends as inhibited. */
  inhibitNext = 0;
  /** No card in the terminal: card info answers with a zero address, sends are refused. */
  noCard = false;
  /** Sends refused for a content over the card's message size. */
  readonly oversize: string[] = [];
  /** Sends refused because the card's service interval had not passed (`$BDFKI,TXA,N,N,…,<wait>`). */
  readonly stats = { intervalRefusals: 0 };
  private line: SerialLine | null = null;
  private readonly out: PieceWriter;
  private lastSend = -Infinity;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly o: BeidouTerminalOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.random = o.random ?? Math.random;
    this.out = new PieceWriter((text) => this.line?.write(text), this.clock, this.random, o.pieces ?? false);
  }

  async start(): Promise<void> {
    this.line = await openSerialLine(this.o.path, 115_200, (l) => this.receive(l), (m) => this.o.log?.(m));
  }

  async stop(): Promise<void> {
    await this.line?.close();
  }

  /** Someone with card `from` sends the host's card a message. */
  incoming(from: string, text: string): void {
    const now = new Date(this.clock.now()).toISOString().slice(11, 19).replace(/:/g, '').slice(0, 4);
    const raw = this.o.replies?.mode === 'chinese-raw';
    const content = raw ? iconv.encode(text, 'gb2312').toString('latin1') : encodeContent(text, 2);
    this.say('TXR', [1, from, raw ? 0 : 2, now, content]);
  }

  private say(type: string, fields: (string | number)[]): void {
    let line = encodeSentence('BD', type, fields);
    if (this.o.lowercaseChecksums) line = line.replace(/\*([0-9A-F]{2})\r\n$/, (_m, h: string) => `*${h.toLowerCase()}\r\n`);
    this.out.say(line);
  }

  private receive(raw: string): void {
    if (this.silent) return;
    let s;
    try {
      s = parseSentence(raw);
    } catch (e) {
      return this.o.log?.(`bad sentence: ${(e as Error).message}`);
    }
    if (s.type === 'ICA') {
      if (this.noCard) return this.say('ICI', ['0000000', '00000000', '0000000', 0, 0, 0, 'N', 0]);
      this.say('ICI', [this.o.address, `0${this.o.address}`, '0000011', 6, this.o.intervalS, this.o.level, 'N', 0]);
      return;
    }
    if (s.type !== 'TXA') return;
    const now = this.clock.now();
    const left = (this.lastSend + this.o.intervalS * 1000 - now) / 1000;
    if (left > 0) {
      this.stats.intervalRefusals++;
      return this.say('FKI', ['TXA', 'N', 'N', 0, mmss(Math.ceil(left))]);
    }
    if (this.inhibitNext > 0) {
      this.inhibitNext--;
      return this.say('FKI', ['TXA', 'N', 'Y', 1, '0000']);
    }
    const [to, , mode, content] = s.fields;
    if (this.noCard) return this.say('FKI', ['TXA', 'N', 'Y', 1, '0000']);
    // The card takes so many bits a message, the mixed mode's marker byte included: more is refused.
    if (contentBits(content, Number(mode) as ContentMode) > (LEVEL_BITS[this.o.level] ?? 110)) {
      this.oversize.push(content);
      return this.say('FKI', ['TXA', 'N', 'Y', 2, '0000']);
    }
    this.lastSend = now;
    const text = decodeContent(content, Number(mode));
    this.sent.push({ to, text });
    this.o.log?.(`> ${to}: ${text}`);
    const feedback = () => {
      this.say('FKI', ['TXA', 'Y', 'Y', 0, mmss(Math.floor(this.o.intervalS))]);
      const answer = answerTo(text, this.o.replyProbability, this.random);
      if (answer) this.incoming(to, answer);
    };
    if (this.o.feedbackMs) this.clock.schedule(now + between(this.random, this.o.feedbackMs), feedback);
    else feedback();
  }
}
