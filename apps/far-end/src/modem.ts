import { type Clock, SystemClock } from '@lifeline/clock';
import { parse } from 'node-pdu';
import { SerialPort } from 'serialport';
import { between } from '@lifeline/domain';

import { concatOf, deliverPdus, fromInternational, statusReportPdu } from '../../gateway-tiantong/src/sms-pdu';
import { answerTo } from './answer';

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
 * restart (`reboot`) that forgets the settings and the command in hand, output in small pieces.
 */
export class ModemSimulator {
  readonly sent: { to: string; text: string }[] = [];
  /** No satellite in view: CSQ 99, not registered, submits fail with +CMS ERROR: 331 (no network). */
  noSignal = false;
  /** The next N submits answer +CMS ERROR: 42 (congestion). */
  failNext = 0;
  /** Settings a restart forgets: command echo, and whether +CMTI / +CDS are reported. */
  echo = true;
  indications = false;
  private port: SerialPort | null = null;
  private buffer = '';
  private awaitingPdu = false;
  private mr = 0;
  private readonly stored = new Map<number, { pdu: string; read: boolean }>();
  private output: Promise<void> = Promise.resolve();
  private nextIndex = 1;
  private readonly parts = new Map<string, string[]>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly cc: string;

  constructor(private readonly o: ModemOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.random = o.random ?? Math.random;
    this.cc = o.countryCode ?? '86';
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
    for (const pdu of deliverPdus(from, text, this.cc)) {
      const index = this.nextIndex++;
      this.stored.set(index, { pdu, read: false });
      if (this.indications) this.say(`+CMTI: "SM",${index}`);
    }
  }

  /**
   * The phone restarts (a power dip, a watchdog): the command in hand is lost, the settings are
   * back to power-up (echo on, no indications), and it says RDY, then +CPIN: READY once the SIM
   * is read. Stored messages stay on the SIM.
   */
  reboot(): void {
    this.echo = true;
    this.indications = false;
    this.awaitingPdu = false;
    this.buffer = '';
    this.say('RDY');
    this.clock.schedule(this.clock.now() + 50, () => this.say('+CPIN: READY', 'SMS Ready'));
  }

  private say(...lines: string[]): void {
    this.write(lines.map((l) => `\r\n${l}\r\n`).join(''));
  }

  private write(text: string): void {
    const port = this.port;
    if (!port) return;
    if (!this.o.pieces) return void port.write(text, 'latin1');
    // One piece after the other, in order, a millisecond apart: each its own read at the far end.
    for (let i = 0; i < text.length; ) {
      const piece = text.slice(i, (i += 1 + Math.floor(this.random() * 3)));
      this.output = this.output.then(() => new Promise<void>((r) => this.clock.schedule(this.clock.now() + 1, () => port.write(piece, 'latin1', () => r()))));
    }
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
      return this.say('OK');
    }
    if (up.startsWith('AT+CNMI=')) {
      this.indications = !/^AT\+CNMI=\d,0,0,0/.test(up);
      return this.say('OK');
    }
    if (up === 'AT+CSQ') return this.say(`+CSQ: ${this.noSignal ? 99 : 18},99`, 'OK');
    if (up === 'AT+CREG?') return this.say(`+CREG: 0,${this.noSignal ? 2 : 1}`, 'OK');
    const read = /^AT\+CMGR=(\d+)$/.exec(up);
    if (read) {
      const m = this.stored.get(Number(read[1]));
      if (!m) return this.say('+CMS ERROR: 321');
      this.say(`+CMGR: ${m.read ? 1 : 0},,${m.pdu.length / 2 - 1}`, m.pdu, 'OK');
      m.read = true;
      return;
    }
    const list = /^AT\+CMGL=(\d)$/.exec(up);
    if (list) {
      const wanted = Number(list[1]); // 0 received unread, 1 received read, 4 all
      const lines: string[] = [];
      for (const [index, m] of this.stored) {
        if (wanted !== 4 && wanted !== (m.read ? 1 : 0)) continue;
        lines.push(`+CMGL: ${index},${m.read ? 1 : 0},,${m.pdu.length / 2 - 1}`, m.pdu);
        m.read = true;
      }
      return this.say(...lines, 'OK');
    }
    const del = /^AT\+CMGD=(\d+)$/.exec(up);
    if (del) this.stored.delete(Number(del[1]));
    if (up.startsWith('AT')) return this.say('OK');
    this.say('ERROR');
  }

  private submit(pdu: string): void {
    let s;
    try {
      s = parse(pdu) as unknown as { address: { phone: string }; type: { statusReportRequest: number }; data: { getText(): string; parts: { header: unknown }[] } };
    } catch (e) {
      return this.say('+CMS ERROR: 304');
    }
    const to = fromInternational(s.address.phone ?? '', this.cc);
    if (this.noSignal) return this.say('+CMS ERROR: 331');
    if (this.failNext > 0) {
      this.failNext--;
      return this.say('+CMS ERROR: 42');
    }
    if (this.o.invalidPrefix && to.startsWith(this.o.invalidPrefix)) return this.say('+CMS ERROR: 1');
    const mr = (this.mr = (this.mr + 1) & 0xff);
    this.say(`+CMGS: ${mr}`, 'OK');
    this.collect(to, s.data.getText(), s.data.parts[0]?.header);
    if (s.type.statusReportRequest) {
      const at = this.clock.now() + between(this.random, this.o.reportMs);
      this.clock.schedule(at, () => {
        if (!this.indications) return; // not routed to the line: the report is lost to the adapter
        const report = statusReportPdu(mr, to, 0x00, new Date(this.clock.now()), this.cc);
        this.say(`+CDS: ${report.length / 2 - 1}`, report);
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
