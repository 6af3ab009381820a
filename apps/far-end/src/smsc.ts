import { type Clock, SystemClock } from '@lifeline/clock';
import type { AddressInfo } from 'node:net';
import * as smpp from 'smpp';
import { between } from '@lifeline/domain';

import { concatOf, messageText, type Concat } from '../../gateway-smpp/src/smpp-pdu';
import { answerTo } from './answer';

export interface SmscOptions {
  systemId: string;
  password: string;
  /** Receipts come this long after a submit (ms). */
  deliverMs: [number, number];
  /** Destinations starting with this are refused as invalid (ESME_RINVDSTADR). */
  invalidPrefix?: string;
  /** Destinations starting with this are accepted but never reached (receipt UNDELIV). */
  unreachablePrefix?: string;
  /** Submits per second taken; beyond, ESME_RTHROTTLED. */
  ratePerS?: number;
  /**
   * How receipts look, as SMS centres differ: TLVs (receipted_message_id, message_state) with the
   * text, or the text alone; in the default data coding, or in the message's own (UCS-2 for
   * Chinese) with the ASCII text's bytes unchanged; and, for some, sent before the submit_sm_resp:
   * for every submit (true), or for every other one (`some`: a handset that answers faster than
   * the centre; the others' receipts come after `deliverMs`).
   */
  receipts?: { form?: 'tlv' | 'text'; dataCoding?: 'default' | 'message'; beforeResponse?: boolean | 'some' };
  /** How a person's number is given on mobile-originated messages: `86…` (type 1) or national. */
  numberForm?: 'national' | 'international';
  /** People answer a delivered message that asks for it with this probability. */
  replyProbability?: number;
  replyDelayMs?: [number, number];
  clock?: Clock;
  random?: () => number;
  log?: (m: string) => void;
}

export interface SmscMessage {
  to: string;
  from: string;
  text: string;
  parts: number;
  messageIds: string[];
}

/**
 * An SMS centre for tests and demos on the server side of npm `smpp`: binds transceivers,
 * answers submit_sm with message ids, reassembles concatenated messages, sends receipts
 * (deliver_sm, esm_class 0x04, receipted_message_id and message_state TLVs) and, when asked,
 * mobile-originated answers. Receipts for an ESME that is not bound wait for its next bind.
 */
export class SmscSimulator {
  readonly messages: SmscMessage[] = [];
  /** `early`: receipts sent before their submit_sm_resp. */
  readonly stats = { binds: 0, submits: 0, throttled: 0, refused: 0, receipts: 0, early: 0, mo: 0 };
  /** The interface_version of each bind, as the ESME announced it. */
  readonly bindVersions: number[] = [];
  /** Make the next N submits answer ESME_RTHROTTLED (tests). */
  throttleNext = 0;
  private readonly server: smpp.Server;
  private readonly sessions = new Set<smpp.Session>();
  /** deliver_sm waiting for a bound session, as their fields: each is sent as a new PDU. */
  private readonly waiting: Record<string, unknown>[] = [];
  /** deliver_sm sent on a session and not answered yet: kept until its deliver_sm_resp. */
  private readonly unanswered = new Map<smpp.Session, Set<Record<string, unknown>>>();
  private readonly parts = new Map<string, { texts: string[]; ids: string[] }>();
  private nextId = 0x1000;
  private windowStart = 0;
  private inWindow = 0;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: (m: string) => void;

  constructor(private readonly o: SmscOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.random = o.random ?? Math.random;
    this.log = o.log ?? (() => {});
    this.server = smpp.createServer((session) => this.accept(session));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, host, () => r()));
    return (this.server.address() as AddressInfo).port;
  }

  /** Writes bytes as they are to every bound ESME: a PDU a faulty centre (or a line) mangled. */
  sendRaw(bytes: Buffer): void {
    for (const s of this.sessions) (s as unknown as { socket: { write(b: Buffer): void } }).socket.write(bytes);
  }

  /** Cuts every bound ESME off, as a restarting SMS centre would. */
  dropSessions(): void {
    for (const s of this.sessions) s.destroy();
  }

  /**
   * A person texts the service number (a mobile-originated message): UCS-2, and past 70
   * characters in parts of 67 with a concatenation header, as a phone sends a long text.
   */
  mo(from: string, to: string, text: string): void {
    this.log(`${from} > ${to} (mobile originated): ${text}`);
    const international = this.o.numberForm === 'international';
    const address = { source_addr: international ? `86${from}` : from, source_addr_ton: international ? 1 : 0, destination_addr: to, data_coding: 8 };
    const chars = [...text];
    const parts = chars.length <= 70 ? [text] : Array.from({ length: Math.ceil(chars.length / 67) }, (_, i) => chars.slice(i * 67, i * 67 + 67).join(''));
    const ref = this.nextId & 0xff;
    parts.forEach((part, i) => {
      const message = Buffer.from(part, 'utf16le').swap16();
      const long = parts.length > 1;
      const body = long ? Buffer.concat([Buffer.from([0x05, 0x00, 0x03, ref, parts.length, i + 1]), message]) : message;
      this.deliverOrWait({ ...address, esm_class: long ? 0x40 : 0, short_message: body });
    });
    this.stats.mo++;
  }

  async close(): Promise<void> {
    this.dropSessions();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(session: smpp.Session): void {
    let bound = false;
    session.on('bind_transceiver', (pdu: smpp.Pdu) => {
      if (pdu.system_id !== this.o.systemId || pdu.password !== this.o.password) {
        session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
        return session.close();
      }
      session.send(pdu.response({ system_id: 'lifeline-smsc' }));
      this.bindVersions.push(pdu.interface_version);
      bound = true;
      this.stats.binds++;
      this.sessions.add(session);
      this.unanswered.set(session, new Set());
      for (const w of this.waiting.splice(0)) this.deliverOrWait(w);
    });
    session.on('submit_sm', (pdu: smpp.Pdu) => {
      if (!bound) return session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      this.submit(session, pdu);
    });
    session.on('enquire_link', (pdu: smpp.Pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu: smpp.Pdu) => {
      this.sessions.delete(session); // nothing more goes to a session that is unbinding
      session.send(pdu.response());
      session.close();
    });
    session.on('error', () => {});
    // What the ESME never answered is delivered again on the next bind, as SMS centres retry.
    session.on('close', () => {
      this.sessions.delete(session);
      const again = [...(this.unanswered.get(session) ?? [])];
      this.unanswered.delete(session);
      for (const fields of again) this.deliverOrWait(fields); // to a session bound meanwhile, or the next
    });
  }

  private submit(session: smpp.Session, pdu: smpp.Pdu): void {
    this.stats.submits++;
    const to = String(pdu.destination_addr);
    if (this.throttleNext > 0 || !this.admit()) {
      if (this.throttleNext > 0) this.throttleNext--;
      this.stats.throttled++;
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      return;
    }
    if (this.o.invalidPrefix && to.startsWith(this.o.invalidPrefix)) {
      this.stats.refused++;
      session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
      return;
    }
    const messageId = (this.nextId++).toString(16).toUpperCase();
    const unreachable = !!this.o.unreachablePrefix && to.startsWith(this.o.unreachablePrefix);
    const receipt = () => this.receipt(to, messageId, unreachable ? 5 : 2, pdu.data_coding ?? 0);
    const early = this.o.receipts?.beforeResponse === true || (this.o.receipts?.beforeResponse === 'some' && this.stats.submits % 2 === 1);
    if (early) {
      this.stats.early++;
      receipt();
    }
    session.send(pdu.response({ message_id: messageId }));
    this.collect(String(pdu.source_addr), to, concatOf(pdu), messageText(pdu), messageId);
    if (!early) this.clock.schedule(this.clock.now() + between(this.random, this.o.deliverMs), receipt);
  }

  /** Rebuilds concatenated messages from their parts, to check what a person would read. */
  private collect(from: string, to: string, concat: Concat | null, text: string, id: string): void {
    if (!concat) {
      this.delivered({ from, to, text, parts: 1, messageIds: [id] });
      return;
    }
    const { ref, total, seq } = concat;
    const key = `${to}/${ref}`;
    const entry = this.parts.get(key) ?? { texts: new Array<string>(total).fill(''), ids: [] };
    entry.texts[seq - 1] = text;
    entry.ids.push(id);
    this.parts.set(key, entry);
    if (entry.ids.length < total) return;
    this.parts.delete(key);
    this.delivered({ from, to, text: entry.texts.join(''), parts: total, messageIds: entry.ids });
  }

  private delivered(m: SmscMessage): void {
    this.messages.push(m);
    this.log(`${m.from} > ${m.to} (${m.parts} part${m.parts > 1 ? 's' : ''}): ${m.text}`);
    const answer = answerTo(m.text, this.o.replyProbability, this.random);
    if (!answer) return;
    const delay = between(this.random, this.o.replyDelayMs ?? [1000, 5000]);
    this.clock.schedule(this.clock.now() + this.o.deliverMs[1] + delay, () => this.mo(m.to, m.from, answer));
  }

  private receipt(to: string, messageId: string, state: 2 | 5, messageCoding: number): void {
    const stat = state === 2 ? 'DELIVRD' : 'UNDELIV';
    const date = new Date(this.clock.now()).toISOString().replace(/\D/g, '').slice(2, 12);
    const text = `id:${messageId} sub:001 dlvrd:${state === 2 ? '001' : '000'} submit date:${date} done date:${date} stat:${stat} err:000 Text:`;
    const tlvs = this.o.receipts?.form === 'text' ? {} : { receipted_message_id: messageId, message_state: state };
    const coding = this.o.receipts?.dataCoding === 'message' ? messageCoding : 0;
    this.stats.receipts++;
    // The receipt text's ASCII bytes as they are, whatever data_coding says (as such centres do).
    this.deliverOrWait({ source_addr: to, esm_class: 0x04, data_coding: coding, short_message: Buffer.from(text, 'latin1'), ...tlvs });
  }

  /** deliver_sm not yet answered by an ESME: waiting for a bind, or sent and unanswered. */
  get undelivered(): number {
    return this.waiting.length + [...this.unanswered.values()].reduce((n, open) => n + open.size, 0);
  }

  private deliverOrWait(fields: Record<string, unknown>): void {
    const session = [...this.sessions][0];
    if (!session) return void this.waiting.push(fields);
    const open = this.unanswered.get(session)!;
    open.add(fields);
    session.send(new smpp.PDU('deliver_sm', fields), () => open.delete(fields));
  }

  private admit(): boolean {
    if (!this.o.ratePerS) return true;
    const now = this.clock.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow <= this.o.ratePerS;
  }
}
