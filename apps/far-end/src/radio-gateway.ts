import { type Clock, SystemClock } from '@lifeline/clock';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { between } from '@lifeline/domain';

import { decodeFrame, encodeRrs, encodeTmp, RRS_TYPE, type RadioIp } from '../../gateway-pdt/src/hdap-codec';
import { answerTo } from './answer';

export interface RadioGatewayOptions {
  /** The dispatcher's radio id; its address is learnt from its first datagram (the online check). */
  dispatcher: { radioId: number };
  subnet?: number;
  /** Radios that register when the gateway starts. */
  radios: number[];
  /** Radios switched off: their messages end in "no contact" (10). */
  off?: number[];
  /** Radio ids starting with this are refused as invalid parameters (3). */
  invalidPrefix?: string;
  /** Probability a message is lost over the air: no ack at all. */
  loss?: number;
  ackMs: [number, number];
  /** Every ack said twice, as gateways that repeat their datagrams over UDP do. */
  duplicateAcks?: boolean;
  /**
   * This share of acks comes this late (ms): after the dispatcher has given up waiting and sent
   * the message again, so each transmission gets an ack of its own.
   */
  lateAcks?: { share: number; ms: [number, number] };
  replyProbability?: number;
  clock?: Clock;
  random?: () => number;
  log?: (m: string) => void;
}

/**
 * A 370MHz radio gateway for tests and demos on loopback UDP: radios register with the
 * dispatcher, private messages are acknowledged after the time on air (or refused busy, no
 * contact, invalid), online checks are answered, and radios answer orders that ask for it.
 * Field habits, each switched on by an option: acks said twice, acks that come after the
 * dispatcher's retransmission.
 */
export class RadioGatewaySimulator {
  readonly received: { radioId: number; text: string }[] = [];
  /** Private messages taken (each transmission, a dispatcher's retransmission too), and acks sent late. */
  readonly stats = { messages: 0, lateAcks: 0 };
  /** Make the next N messages answer "channel busy" (4). */
  busyNext = 0;
  private socket: Socket | null = null;
  private peer: RemoteInfo | null = null;
  private nextRequest = 1;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly o: RadioGatewayOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.random = o.random ?? Math.random;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const s = createSocket('udp4');
    this.socket = s;
    s.on('message', (m, r) => this.receive(m, r));
    await new Promise<void>((resolve) => s.bind(port, host, () => resolve()));
    return s.address().port;
  }

  /** Radios power on: each registers with the dispatcher. */
  registerAll(): void {
    for (const id of this.o.radios) this.toDispatcher(encodeRrs({ type: RRS_TYPE.registration, radio: this.ip(id) }));
  }

  deregister(radioId: number): void {
    this.toDispatcher(encodeRrs({ type: RRS_TYPE.deRegistration, radio: this.ip(radioId) }));
  }

  /** A radio user sends the dispatcher a text ("A7K2 1"). */
  radioSays(radioId: number, text: string): void {
    this.toDispatcher(encodeTmp({ kind: 'message', group: false, ackRequired: true, requestId: this.nextRequest++, to: this.ip(this.o.dispatcher.radioId), from: this.ip(radioId), text }));
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.socket ? this.socket.close(() => r()) : r()));
    this.socket = null;
  }

  private ip(radioId: number): RadioIp {
    return { subnet: this.o.subnet ?? 10, radioId };
  }

  /** True once the dispatcher has been heard, so registrations and texts can reach it. */
  get knowsDispatcher(): boolean {
    return this.peer !== null;
  }

  private toDispatcher(b: Buffer): void {
    if (this.peer) this.socket?.send(b, this.peer.port, this.peer.address);
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    let f;
    try {
      f = decodeFrame(msg);
    } catch (e) {
      return this.o.log?.(`bad datagram: ${(e as Error).message}`);
    }
    this.peer = rinfo;
    const reply = (b: Buffer) => this.socket?.send(b, rinfo.port, rinfo.address);
    if (f.service === 'rrs') {
      if (f.rrs.type === RRS_TYPE.onlineCheck) reply(encodeRrs({ type: RRS_TYPE.onlineCheckAck, radio: f.rrs.radio, result: 0 }));
      return;
    }
    const m = f.tmp;
    if (m.kind !== 'message' || m.group) return;
    const ack = (result: number) => {
      const b = encodeTmp({ kind: 'ack', group: false, requestId: m.requestId, to: m.from, from: m.to, result });
      reply(b);
      if (this.o.duplicateAcks) this.clock.schedule(this.clock.now() + 5, () => reply(b));
    };
    const radioId = m.to.radioId;
    if (this.busyNext > 0) {
      this.busyNext--;
      return ack(4);
    }
    if (this.o.invalidPrefix && String(radioId).startsWith(this.o.invalidPrefix)) return ack(3);
    if (this.o.off?.includes(radioId)) return ack(10);
    if (this.random() < (this.o.loss ?? 0)) return;
    this.stats.messages++;
    const late = !!this.o.lateAcks && this.random() < this.o.lateAcks.share;
    if (late) this.stats.lateAcks++;
    const at = this.clock.now() + between(this.random, late ? this.o.lateAcks!.ms : this.o.ackMs);
    this.clock.schedule(at, () => {
      if (!this.received.some((r) => r.radioId === radioId && r.text === m.text)) this.received.push({ radioId, text: m.text });
      this.o.log?.(`> radio ${radioId}: ${m.text}`);
      ack(0);
      const answer = answerTo(m.text, this.o.replyProbability, this.random);
      if (answer) this.radioSays(radioId, answer);
    });
  }
}
