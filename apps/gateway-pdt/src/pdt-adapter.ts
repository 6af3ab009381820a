import { randomInt } from 'node:crypto';
import { SystemClock } from '@lifeline/clock';
import type { Clock } from '@lifeline/clock';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { z } from 'zod';
import { id } from '@lifeline/contracts';

import { clientFromConfig, type GatewayClient, KeyJournal, linkConfig, type SendFrame } from '@lifeline/gateway-sdk';
import { SourceCheck } from './source-check';
import { decodeFrame, encodeRrs, encodeTmp, FrameError, RRS_TYPE, TMP_RESULT, type RadioIp, type TmpMessage } from './hdap-codec';

export const pdtConfig = linkConfig.extend({
  channel: id.default('pdt'),
  /** The radio gateway's text message service. */
  radioGateway: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(3004),
    /** IPv4 addresses it also sends from, beside those its host name resolves to (another interface). */
    from: z.array(z.ipv4()).max(16).default([]),
  }),
  /** Where the adapter receives acks, registrations and messages from radios (0: any free port). */
  listen: z.strictObject({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(3004) }).prefault({}),
  subnet: z.number().int().min(0).max(255).default(10),
  radioIdEncoding: z.enum(['binary24', 'decimalPairs']).default('binary24'),
  /** The dispatcher's own radio id: messages come from it and answers go to it. */
  dispatcherId: z.number().int().min(1),
  /** The radio's ack for a private message, after transmission over the air. */
  ackTimeoutS: z.number().min(0.1).default(10),
  /** Retransmissions when no ack comes, and resends on busy / denied / interrupted. */
  retries: z.number().int().min(0).default(3),
  retryMs: z.number().int().min(1).default(2_000),
  /** Online checks keep the link proven; silence this long means the radio gateway is down. */
  probeS: z.number().min(0.1).default(30),
  silenceS: z.number().min(0.1).default(120),
  registrationValidS: z.number().int().min(1).default(3_600),
});
export type PdtConfig = z.output<typeof pdtConfig>;

interface Pending {
  attemptId: string;
  datagram: Buffer;
  tries: number;
  cancel: () => void;
}

/** A pending message as the state file keeps it (read back as any input is: parsed). */
const keptPending = z.strictObject({ attemptId: z.string().max(300), datagram: z.string().regex(/^([0-9a-f]{2})*$/), tries: z.number().int().nonnegative() });
type KeptPending = z.output<typeof keptPending>;

/**
 * The 370MHz radio gateway adapter: private text messages with acknowledgement over UDP (TMP),
 * radio registrations (RRS) for presence and the link's health. A send is accepted when handed
 * to the radio gateway and delivered when the radio acknowledges it; busy, denied and interrupted
 * channels are tried again, invalid parameters fail for good, other results let the router fall
 * back.
 */
export class PdtAdapter {
  readonly client: GatewayClient;
  private socket: Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  /** The messages waiting for a radio's ack, on disk when the config names a state file: they outlive a restart. */
  private readonly journal: KeyJournal<KeptPending> | null;
  private readonly deregistered = new Set<number>();
  readonly registered = new Set<number>();
  /**
   * Request ids go on from a random place at each start: a radio's late ack for a message of the
   * last run must not settle a new message that happens to get the same id.
   */
  private nextRequest = randomInt(1, 0xffffffff);
  private lastHeard = -Infinity;
  private healthy: boolean | null = null;
  private stopProbe: (() => void) | null = null;
  private readonly sources: SourceCheck;

  constructor(
    private readonly config: PdtConfig,
    private readonly log: (m: string) => void = () => {},
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.client = clientFromConfig(config, { clock, log, onSend: (f) => this.send(f) });
    this.sources = new SourceCheck(config.radioGateway.host, config.radioGateway.from, () => clock.now(), log);
    this.journal = config.stateFile ? new KeyJournal(config.stateFile, keptPending) : null;
    if (this.journal?.ignored) log(`state file ${config.stateFile}: ${this.journal.ignored} entries not understood, left out`);
    for (const [key, k] of this.journal?.entries() ?? []) {
      this.pending.set(Number(key), { attemptId: k.attemptId, datagram: Buffer.from(k.datagram, 'hex'), tries: k.tries, cancel: () => {} });
      this.nextRequest = Math.max(this.nextRequest, (Number(key) % 0xffffffff) + 1);
    }
  }

  /** The UDP port the adapter listens on (after start). */
  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  async start(): Promise<void> {
    this.client.health('down', 'radio gateway not heard yet');
    await this.sources.start();
    const s = createSocket('udp4');
    this.socket = s;
    s.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    s.on('error', (e) => this.log(`UDP: ${e.message}`));
    await new Promise<void>((r) => s.bind(this.config.listen.port, this.config.listen.host, () => r()));
    this.client.start();
    this.probe();
    // Messages in flight at the last stop: sent again with their request ids (a radio that got
    // one acks it again), and settled by the acks that come.
    for (const [requestId, p] of this.pending) this.attempt(requestId, p);
  }

  async stop(): Promise<void> {
    this.stopProbe?.();
    for (const p of this.pending.values()) p.cancel();
    await this.client.stop();
    await new Promise<void>((r) => (this.socket ? this.socket.close(() => r()) : r()));
    this.socket = null;
    this.journal?.close();
  }

  private ip(radioId: number): RadioIp {
    return { subnet: this.config.subnet, radioId };
  }

  private transmit(datagram: Buffer, to?: RemoteInfo): void {
    this.socket?.send(datagram, to?.port ?? this.config.radioGateway.port, to?.address ?? this.config.radioGateway.host);
  }

  private async send(f: SendFrame): Promise<void> {
    const radioId = /^\d{1,8}$/.test(f.to) ? Number(f.to) : NaN;
    if (this.deregistered.has(radioId)) return this.client.failed(f.attemptId, `radio ${radioId} de-registered (off or out of range)`);
    const requestId = this.nextRequest;
    const message: TmpMessage = { kind: 'message', group: false, ackRequired: true, requestId, to: this.ip(radioId), from: this.ip(this.config.dispatcherId), text: f.text };
    let datagram: Buffer;
    try {
      datagram = encodeTmp(message, this.config.radioIdEncoding);
    } catch (e) {
      if (e instanceof FrameError) return this.client.failed(f.attemptId, `${f.to} is not a radio id: ${e.message}`, true);
      throw e;
    }
    this.nextRequest = (this.nextRequest % 0xffffffff) + 1;
    const p: Pending = { attemptId: f.attemptId, datagram, tries: 0, cancel: () => {} };
    this.pending.set(requestId, p);
    this.journal?.set(String(requestId), { attemptId: f.attemptId, datagram: datagram.toString('hex'), tries: 0 });
    await this.journal?.durable(); // on disk before it goes on air, as the sends of this turn are
    this.attempt(requestId, p);
    this.client.accepted(f.attemptId);
  }

  /** Sends (again) and waits for the radio's ack; past the retries the attempt fails. */
  private attempt(requestId: number, p: Pending): void {
    p.tries++;
    this.transmit(p.datagram);
    p.cancel = this.clock.schedule(this.clock.now() + this.config.ackTimeoutS * 1000, () => {
      if (p.tries <= this.config.retries) return this.attempt(requestId, p);
      this.settled(requestId);
      this.client.failed(p.attemptId, `no ack from the radio in ${p.tries} tries`);
    });
  }

  /** A datagram: hostile until decoded, and nothing it makes this adapter do may throw out of the socket's handler. */
  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    if (!this.sources.allows(rinfo.address)) return;
    try {
      this.handle(msg, rinfo);
    } catch (e) {
      this.log(`datagram from ${rinfo.address}:${rinfo.port} ignored: ${(e as Error).message}`);
    }
  }

  private handle(msg: Buffer, rinfo: RemoteInfo): void {
    // Only a frame that decodes proves the radio gateway is there: noise on the port does not.
    const frame = decodeFrame(msg, this.config.radioIdEncoding);
    this.heard();
    if (frame.service === 'rrs') return this.registration(frame.rrs.type, frame.rrs.radio.radioId, rinfo);
    const m = frame.tmp;
    if (m.kind === 'message') {
      if (m.ackRequired) this.transmit(encodeTmp({ kind: 'ack', group: m.group, requestId: m.requestId, to: m.from, from: m.to, result: 0 }, this.config.radioIdEncoding), rinfo);
      if (!m.group) this.client.reply(String(m.from.radioId), m.text);
      return;
    }
    const p = this.pending.get(m.requestId);
    if (!p) return;
    p.cancel();
    const result = TMP_RESULT[m.result] ?? { name: `result ${m.result}`, kind: 'retryable' as const };
    if (result.kind === 'retry' && p.tries <= this.config.retries) {
      p.cancel = this.clock.schedule(this.clock.now() + this.config.retryMs, () => this.attempt(m.requestId, p));
      return;
    }
    this.settled(m.requestId);
    if (result.kind === 'ok') this.client.delivered(p.attemptId);
    else this.client.failed(p.attemptId, `radio gateway: ${result.name}`, result.kind === 'permanent');
  }

  private settled(requestId: number): void {
    this.pending.delete(requestId);
    this.journal?.delete(String(requestId));
  }

  private registration(type: number, radioId: number, rinfo: RemoteInfo): void {
    if (type === RRS_TYPE.registration) {
      this.registered.add(radioId);
      this.deregistered.delete(radioId);
      this.transmit(encodeRrs({ type: RRS_TYPE.registrationAck, radio: this.ip(radioId), result: 0, validS: this.config.registrationValidS }, this.config.radioIdEncoding), rinfo);
    } else if (type === RRS_TYPE.deRegistration) {
      this.registered.delete(radioId);
      this.deregistered.add(radioId);
    }
  }

  private heard(): void {
    this.lastHeard = this.clock.now();
    if (this.healthy !== true) {
      this.healthy = true;
      this.client.health('up', 'radio gateway answering');
    }
  }

  /** Online checks prove the radio gateway is there; a long silence reports the channel down. */
  private probe(): void {
    this.transmit(encodeRrs({ type: RRS_TYPE.onlineCheck, radio: this.ip(this.config.dispatcherId) }, this.config.radioIdEncoding));
    if (this.healthy !== false && this.clock.now() - this.lastHeard > this.config.silenceS * 1000) {
      this.healthy = false;
      const refused = this.sources.lastRefused;
      this.client.health('down', `radio gateway silent for ${this.config.silenceS}s${refused ? `; datagrams from ${refused} ignored (not radioGateway.host or .from)` : ''}`);
    }
    this.stopProbe = this.clock.schedule(this.clock.now() + this.config.probeS * 1000, () => this.probe());
  }
}
