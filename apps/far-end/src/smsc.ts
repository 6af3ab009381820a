import { type Clock, SystemClock } from '@lifeline/clock';
import type { AddressInfo } from 'node:net';
import * as smpp from 'smpp';
import { between } from '@lifeline/channels';

import { messageText } from '../../gateway-smpp/src/smpp-pdu';
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
  readonly stats = { binds: 0, submits: 0, throttled: 0, refused: 0, receipts: 0, mo: 0 };
  /** Make the next N submits answer ESME_RTHROTTLED (tests). */
  throttleNext = 0;
  private readonly server: smpp.Server;
  private readonly sessions = new Set<smpp.Session>();
  private readonly waiting: smpp.Pdu[] = [];
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

  /** Cuts every bound ESME off, as a restarting SMS centre would. */
  dropSessions(): void {
    for (const s of this.sessions) s.destroy();
  }

  /** A person texts the service number (a mobile-originated message). */
  mo(from: string, to: string, text: string): void {
    this.log(`${from} > ${to} (mobile originated): ${text}`);
    this.deliverOrWait(new smpp.PDU('deliver_sm', { source_addr: from, destination_addr: to, esm_class: 0, data_coding: 8, short_message: Buffer.from(text, 'utf16le').swap16() }));
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
      bound = true;
      this.stats.binds++;
      this.sessions.add(session);
      for (const w of this.waiting.splice(0)) session.send(w);
    });
    session.on('submit_sm', (pdu: smpp.Pdu) => {
      if (!bound) return session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      this.submit(session, pdu);
    });
    session.on('enquire_link', (pdu: smpp.Pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu: smpp.Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('error', () => {});
    session.on('close', () => this.sessions.delete(session));
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
    session.send(pdu.response({ message_id: messageId }));
    this.collect(String(pdu.source_addr), to, concatOf(pdu), messageText(pdu), messageId);
    const unreachable = !!this.o.unreachablePrefix && to.startsWith(this.o.unreachablePrefix);
    const at = this.clock.now() + between(this.random, this.o.deliverMs);
    this.clock.schedule(at, () => this.receipt(to, messageId, unreachable ? 5 : 2));
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

  private receipt(to: string, messageId: string, state: 2 | 5): void {
    const stat = state === 2 ? 'DELIVRD' : 'UNDELIV';
    const date = new Date(this.clock.now()).toISOString().replace(/\D/g, '').slice(2, 12);
    const text = `id:${messageId} sub:001 dlvrd:${state === 2 ? '001' : '000'} submit date:${date} done date:${date} stat:${stat} err:000 Text:`;
    this.stats.receipts++;
    this.deliverOrWait(new smpp.PDU('deliver_sm', { source_addr: to, esm_class: 0x04, short_message: text, receipted_message_id: messageId, message_state: state }));
  }

  private deliverOrWait(pdu: smpp.Pdu): void {
    const session = [...this.sessions][0];
    if (session) session.send(pdu);
    else this.waiting.push(pdu);
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

interface Concat {
  ref: number;
  total: number;
  seq: number;
}

/** For a part of a long message, its concatenation element (IEI 0x00). */
function concatOf(pdu: smpp.Pdu): Concat | null {
  const ie: Buffer | undefined = pdu.short_message?.udh?.find((u: Buffer) => u[0] === 0x00 && u.length >= 5);
  return ie ? { ref: ie[2], total: ie[3], seq: ie[4] } : null;
}
