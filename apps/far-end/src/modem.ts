import { type Clock, SystemClock } from '@lifeline/clock';
import { Deliver, parse } from 'node-pdu';
import { SerialPort } from 'serialport';
import { between } from '@lifeline/domain';

import { concatOf, deliverPdus, fromInternational, statusReportPdu } from '../../gateway-tiantong/src/sms-pdu';
import { answerTo } from './answer';
import { PieceWriter } from './pieces';

export interface ModemOptions {
  /** The modem's end of the serial line (a pty in tests). */
  path: string;
  countryCode?: string;
  /** Status reports come this long after a submit (ms). */
  reportMs: [number, number];
  /** Numbers starting with this get +CMS ERROR: 1 (unassigned number). */
  invalidPrefix?: string;
  replyProbability?: number;
  /** Output in pieces of one to three bytes, a millisecond apart, as a slow serial line gives it. */
  pieces?: boolean;
  /**
   * Unsolicited codes (+CMTI, +CDS with its PDU, +CPIN: READY) wait, up to `urcHoldMs` (100),
   * for the next command's answer and come out inside it: between `+CMGS: n` and its OK, after
   * the first message of a +CMGL listing, as a modem that reports while it answers does. (RDY
   * comes inside an answer when a restart cuts one: `reboot('next-answer')`.)
   */
  urcInAnswers?: boolean;
  urcHoldMs?: number;
  /** How the sender of a message people send is written: international (`+86…`, the default) or national. */
  numberForm?: 'international' | 'national';
  clock?: Clock;
  random?: () => number;
  log?: (m: string) => void;
}

/**
 * A Tiantong satellite phone (3GPP 27.005 in PDU mode) on a serial line for tests and demos:
 * AT+CMGS with the `> ` prompt and a PDU ended by Ctrl-Z, +CMGS message references, +CDS status
 * reports, +CMTI for messages people send back (read with AT+CMGR or listed with AT+CMGL, deleted
 * with AT+CMGD), AT+CSQ and AT+CREG?. It powers up as modems do: echo on, and no +CMTI or +CDS until
 * AT+CNMI asks for them. Faults: no signal (CSQ 99, CMS errors), the next N submits failing, a
 * restart (`reboot`) that forgets the settings and the command in hand, output in small pieces,
 * unsolicited codes inside other answers, senders in national form.
 */
export class ModemSimulator {
  readonly sent: { to: string; text: string }[] = [];
  /** No satellite in view: CSQ 99, not registered, submits fail with +CMS ERROR: 331 (no network). */
  noSignal = false;
  /** The next N submits answer +CMS ERROR: 42 (congestion). */
  failNext = 0;
  /** The next deletes fail (+CMS ERROR: 321 with the message kept), as a busy SIM's do. */
  failDeletes = 0;
  /** Settings a restart forgets: command echo, and whether +CMTI / +CDS are reported. */
  echo = true;
  indications = false;
  /** Unsolicited codes said inside another command's answer, and restarts that cut an answer short. */
  readonly stats = { urcsInAnswers: 0, answersCut: 0 };
  private port: SerialPort | null = null;
  private readonly out: PieceWriter;
  private readonly held: string[] = [];
  private holdTimer: (() => void) | null = null;
  private rebootAt: 'next-answer' | 'next-submit' | null = null;
  private buffer = '';
  private awaitingPdu = false;
  private mr = 0;
  private readonly stored = new Map<number, { pdu: string; read: boolean }>();

  /** Messages on the SIM, read or not. */
  get storedCount(): number {
    return this.stored.size;
  }
  private nextIndex = 1;
  private readonly parts = new Map<string, string[]>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly cc: string;

  constructor(private readonly o: ModemOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.random = o.random ?? Math.random;
    this.cc = o.countryCode ?? '86';
    this.out = new PieceWriter((text) => this.port?.write(text, 'latin1'), this.clock, this.random, o.pieces ?? false);
  }

  async start(): Promise<void> {
    const port = new SerialPort({ path: this.o.path, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (b: Buffer) => this.data(b.toString('latin1')));
    this.port = port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.port?.isOpen ? this.port.close(() => r()) : r()));
  }

  /**
   * A person texts the phone: stored, announced with +CMTI if indications are on. A long text
   * arrives as a phone sends it, in parts, each a message of its own.
   */
  incoming(from: string, text: string): void {
    const pdus = this.o.numberForm === 'national' ? new Deliver(from, text).getPartStrings() : deliverPdus(from, text, this.cc);
    for (const pdu of pdus) {
      const index = this.nextIndex++;
      this.stored.set(index, { pdu, read: false });
      if (this.indications) this.unsolicited(`+CMTI: "SM",${index}`);
    }
  }

  /**
   * The phone restarts (a power dip, a watchdog): the command in hand is lost, the settings are
   * back to power-up (echo on, no indications), and it says RDY, then +CPIN: READY once the SIM
   * is read. Stored messages stay on the SIM. `next-answer` restarts in the middle of the next
   * answer that has lines before its result (after its first line or message, the rest never
   * said); `next-submit` in the middle of the next +CMGS answer: the message went out and got its
   * reference, and the OK never comes.
   */
  reboot(at: 'now' | 'next-answer' | 'next-submit' = 'now'): void {
    if (at !== 'now') return void (this.rebootAt = at);
    this.rebootAt = null;
    this.echo = true;
    this.indications = false;
    this.awaitingPdu = false;
    this.buffer = '';
    this.say('RDY'); // at once, inside an answer when the restart cut one
    this.clock.schedule(this.clock.now() + 50, () => this.unsolicited('+CPIN: READY', 'SMS Ready'));
  }

  private say(...lines: string[]): void {
    this.out.say(lines.map((l) => `\r\n${l}\r\n`).join(''));
  }

  /** What the modem says of its own accord: at once, or held for the next answer to carry. */
  private unsolicited(...lines: string[]): void {
    if (!this.o.urcInAnswers) return this.say(...lines);
    this.held.push(...lines);
    this.holdTimer ??= this.clock.schedule(this.clock.now() + (this.o.urcHoldMs ?? 100), () => this.flushHeld());
  }

  private flushHeld(): void {
    this.holdTimer?.();
    this.holdTimer = null;
    const lines = this.held.splice(0);
    if (lines.length) this.say(...lines);
  }

  /**
   * A command's answer: its lines, then its result. Held unsolicited codes go in after the first
   * `record` lines (one message of a listing is a header and its PDU), when there is more to say;
   * a restart set for this answer cuts it there. Returns how many of its lines were said.
   */
  private answer(lines: string[], record = 1, submit = false): number {
    const cut = lines.length > record ? record : -1;
    if (cut > 0 && (this.rebootAt === 'next-answer' || (this.rebootAt === 'next-submit' && submit))) {
      this.say(...lines.slice(0, cut));
      this.stats.answersCut++;
      this.reboot('now');
      return cut;
    }
    if (cut > 0 && this.held.length) {
      this.stats.urcsInAnswers++;
      const held = this.held.splice(0);
      this.flushHeld();
      this.say(...lines.slice(0, cut), ...held, ...lines.slice(cut));
    } else this.say(...lines);
    return lines.length;
  }

  private write(text: string): void {
    this.out.say(text);
  }

  private data(text: string): void {
    this.buffer += text;
    for (;;) {
      if (this.awaitingPdu) {
        const end = this.buffer.indexOf('\x1a');
        if (end < 0) return;
        const pdu = this.buffer.slice(0, end).trim();
        this.buffer = this.buffer.slice(end + 1);
        this.awaitingPdu = false;
        this.submit(pdu);
        continue;
      }
      const end = this.buffer.indexOf('\r');
      if (end < 0) return;
      const line = this.buffer.slice(0, end).replace(/^\n/, '').trim();
      this.buffer = this.buffer.slice(end + 1);
      if (line) this.command(line);
    }
  }

  private command(line: string): void {
    if (this.echo) this.write(`${line}\r`);
    const up = line.toUpperCase();
    if (up.startsWith('AT+CMGS=')) {
      this.awaitingPdu = true;
      this.write('\r\n> ');
      return;
    }
    if (up === 'ATE0' || up === 'ATE1') {
      this.echo = up === 'ATE1';
      return void this.answer(['OK']);
    }
    if (up.startsWith('AT+CNMI=')) {
      this.indications = !/^AT\+CNMI=\d,0,0,0/.test(up);
      return void this.answer(['OK']);
    }
    if (up === 'AT+CSQ') return void this.answer([`+CSQ: ${this.noSignal ? 99 : 18},99`, 'OK']);
    if (up === 'AT+CREG?') return void this.answer([`+CREG: 0,${this.noSignal ? 2 : 1}`, 'OK']);
    const read = /^AT\+CMGR=(\d+)$/.exec(up);
    if (read) {
      const m = this.stored.get(Number(read[1]));
      if (!m) return void this.answer(['+CMS ERROR: 321']);
      this.answer([`+CMGR: ${m.read ? 1 : 0},,${m.pdu.length / 2 - 1}`, m.pdu, 'OK'], 2);
      m.read = true;
      return;
    }
    const list = /^AT\+CMGL=(\d)$/.exec(up);
    if (list) {
      const wanted = Number(list[1]); // 0 received unread, 1 received read, 4 all
      const lines: string[] = [];
      const listed: { read: boolean }[] = [];
      for (const [index, m] of this.stored) {
        if (wanted !== 4 && wanted !== (m.read ? 1 : 0)) continue;
        lines.push(`+CMGL: ${index},${m.read ? 1 : 0},,${m.pdu.length / 2 - 1}`, m.pdu);
        listed.push(m);
      }
      // Read once listed: those a restart cut from the listing stay unread.
      const said = this.answer([...lines, 'OK'], 2);
      for (const m of listed.slice(0, Math.floor(said / 2))) m.read = true;
      return;
    }
    const del = /^AT\+CMGD=(\d+)$/.exec(up);
    if (del && this.failDeletes > 0) {
      this.failDeletes--;
      return void this.answer(['+CMS ERROR: 320']); // memory failure: the message stays, read
    }
    if (del) this.stored.delete(Number(del[1]));
    if (up.startsWith('AT')) return void this.answer(['OK']);
    this.answer(['ERROR']);
  }

  private submit(pdu: string): void {
    let s;
    try {
      s = parse(pdu) as unknown as { address: { phone: string }; type: { statusReportRequest: number }; data: { getText(): string; parts: { header: unknown }[] } };
    } catch (e) {
      return void this.answer(['+CMS ERROR: 304']);
    }
    const to = fromInternational(s.address.phone ?? '', this.cc);
    if (this.noSignal) return void this.answer(['+CMS ERROR: 331']);
    if (this.failNext > 0) {
      this.failNext--;
      return void this.answer(['+CMS ERROR: 42']);
    }
    if (this.o.invalidPrefix && to.startsWith(this.o.invalidPrefix)) return void this.answer(['+CMS ERROR: 1']);
    const mr = (this.mr = (this.mr + 1) & 0xff);
    this.collect(to, s.data.getText(), s.data.parts[0]?.header); // on its way: a restart in the answer does not call it back
    this.answer([`+CMGS: ${mr}`, 'OK'], 1, true);
    if (s.type.statusReportRequest) {
      const at = this.clock.now() + between(this.random, this.o.reportMs);
      this.clock.schedule(at, () => {
        if (!this.indications) return; // not routed to the line: the report is lost to the adapter
        const report = statusReportPdu(mr, to, 0x00, new Date(this.clock.now()), this.cc);
        this.unsolicited(`+CDS: ${report.length / 2 - 1}`, report);
      });
    }
  }

  /** Rebuilds a concatenated message from its parts, then plays the person who reads it. */
  private collect(to: string, text: string, header: unknown): void {
    const c = concatOf(header);
    let whole = text;
    if (c) {
      const key = `${to}/${c.ref}`;
      const parts = this.parts.get(key) ?? new Array<string>(c.total).fill('');
      parts[c.seq - 1] = text;
      this.parts.set(key, parts);
      if (parts.some((p) => p === '')) return;
      this.parts.delete(key);
      whole = parts.join('');
    }
    this.sent.push({ to, text: whole });
    this.o.log?.(`> ${to}: ${whole}`);
    const answer = answerTo(whole, this.o.replyProbability, this.random);
    if (answer) this.clock.schedule(this.clock.now() + this.o.reportMs[1] + 1, () => this.incoming(to, answer));
  }
}
