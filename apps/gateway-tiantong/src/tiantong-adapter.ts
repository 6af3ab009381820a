import { SystemClock } from '@lifeline/clock';
import type { Clock } from '@lifeline/clock';
import { z } from 'zod';
import { id } from '@lifeline/contracts';

import { clientFromConfig, type GatewayClient, KeyJournal, linkConfig, LongReplies, openSerialLine, ReceiptMatcher, type SendFrame, type SerialLine } from '@lifeline/gateway-sdk';
import { AtSession, ModemRestarted, type AtResult } from './at-session';
import { ForwardedMessages } from './forwarded-messages';
import { fromInternational, readDeliver, readStatusReport, reportOutcome, submitParts } from './sms-pdu';

export const tiantongConfig = linkConfig.extend({
  channel: id.default('tiantong'),
  serial: z.strictObject({ path: z.string().min(1), baudRate: z.number().int().default(115_200) }),
  /** Directory numbers are national; PDUs carry them with this country code. */
  countryCode: z.string().regex(/^\d{1,3}$/).default('86'),
  /** AT+CSQ and AT+CREG? this often: no signal or no registration is `down`. */
  pollS: z.number().min(0.1).default(30),
  commandTimeoutS: z.number().min(0.1).default(10),
  /** A submit over a satellite link takes a while: AT+CMGS gets this long. */
  submitTimeoutS: z.number().min(1).default(60),
  /** A long reply's parts are joined; past this, what came is passed on without the missing part. */
  replyPartsWaitS: z.number().min(1).default(60),
});
export type TiantongConfig = z.output<typeof tiantongConfig>;

/** +CMS ERROR causes that no retry fixes: the number does not exist (3GPP 24.011 / 27.005). */
const PERMANENT_CMS = new Set([1, 28, 30]);

/** An attempt out: delivered when all its parts have references and none is left waiting for its status report. */
const sent = z.strictObject({
  attemptId: z.string().max(300),
  parts: z.number().int().positive(),
  references: z.array(z.number().int().min(0).max(255)),
  /** Whom it went to (national form): a report for someone else under the same reference is not its. */
  to: z.string().max(64).optional(),
});
type Sent = z.output<typeof sent>;
/** What the state file keeps of a reference in flight (read back as any input is: parsed). */
const kept = z.strictObject({ key: z.number().int().min(0).max(255), value: sent });

/**
 * A Tiantong satellite phone (or any GSM modem) on a serial line, in PDU mode: each send is one
 * AT+CMGS per part with a status report asked for; +CMGS accepts it, +CDS status reports confirm
 * delivery, +CMS ERROR fails it (for good when the number does not exist); +CMTI messages are read,
 * forwarded as replies and deleted; AT+CSQ / AT+CREG? give the link's health.
 */
export class TiantongAdapter {
  readonly client: GatewayClient;
  private line: SerialLine | null = null;
  private at: AtSession | null = null;
  /** By TP-MR (0-255, recycled); a status report may come in the same read as its +CMGS. */
  private readonly receipts: ReceiptMatcher<number, Sent>;
  private readonly replies: LongReplies;
  private readonly forwarded: ForwardedMessages;
  private stopped = false;
  /** The references in flight, on disk when the config names a state file: they outlive a restart. */
  private readonly journal: KeyJournal<{ key: number; value: Sent }> | null;
  private stopPoll: (() => void) | null = null;
  private state: 'up' | 'down' | null = null;
  private concatRef = 0;
  /** Set-ups after restarts, one after the other; whether the modem still needs one. */
  private restarting: Promise<void> = Promise.resolve();
  private needsSetUp = false;
  readonly stats = { submits: 0, reports: 0, received: 0 };

  constructor(
    private readonly config: TiantongConfig,
    private readonly log: (m: string) => void = () => {},
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.journal = config.stateFile ? new KeyJournal(config.stateFile, kept) : null;
    if (this.journal?.ignored) log(`state file ${config.stateFile}: ${this.journal.ignored} entries not understood, left out`);
    this.receipts = new ReceiptMatcher(clock, 10_000, 255, this.journal, (s) => s.to);
    this.forwarded = new ForwardedMessages(config.stateFile ? `${config.stateFile}.forwarded` : null, clock);
    this.client = clientFromConfig(config, { clock, log, onSend: (f) => this.send(f) });
    this.replies = new LongReplies(clock, config.replyPartsWaitS * 1000, (from, text) => this.client.reply(from, text));
  }

  async start(): Promise<void> {
    this.client.health('down', 'modem not initialised yet');
    this.line = await openSerialLine(this.config.serial.path, this.config.serial.baudRate, (l) => this.at?.receive(l), (m) => this.log(m), '> ');
    this.at = new AtSession(this.line, this.clock, (code, pdu) => this.unsolicited(code, pdu));
    await this.setUp();
    this.client.start();
    await this.poll();
  }

  /**
   * The settings the adapter needs (no echo, PDU mode, +CMTI and +CDS reported as they come); a
   * modem forgets them when it restarts. True when every one took.
   */
  private async setUp(): Promise<boolean> {
    let all = true;
    for (const cmd of ['ATE0', 'AT+CMGF=0', 'AT+CNMI=2,1,0,1,0']) {
      const r = await this.cmd(cmd).catch((e: Error) => ({ ok: false, final: e.message, lines: [] }));
      if (!r.ok) this.log(`${cmd}: ${r.final}`);
      all &&= r.ok;
    }
    if (all) await this.readUnread();
    return all;
  }

  /**
   * Messages people sent that were never forwarded (the adapter down, the modem restarted and not
   * yet told to report them, a listing whose answer a restart garbled): every received message
   * still on the SIM, read or unread (AT+CMGL=4, stat 0 or 1), since the adapter deletes each one
   * it forwards; forwarded, deleted. A modem marks a message read once it listed it, answer lost
   * or not: listing the unread ones only lost such answers for good.
   */
  private async readUnread(): Promise<void> {
    const r = await this.cmd('AT+CMGL=4').catch((e: Error) => ({ ok: false, final: e.message, lines: [] as string[] }));
    if (!r.ok) return this.log(`AT+CMGL=4: ${r.final}`);
    for (let i = 0; i < r.lines.length; i++) {
      const [, index, stat] = /^\+CMGL: ?(\d+),(\d+)/.exec(r.lines[i]) ?? [];
      const pdu = r.lines[i + 1]?.trim();
      // Stored outgoing messages (stat 2, 3) are not the adapter's to forward or delete.
      if (index === undefined || Number(stat) > 1 || !pdu || !/^[0-9A-Fa-f]+$/.test(pdu)) continue;
      await this.forward(Number(index), pdu);
      await this.cmd(`AT+CMGD=${index}`).catch((e: Error) => this.log(`AT+CMGD=${index}: ${e.message}`));
    }
  }

  /** Passes a message on as a reply once: one the modem held after its delete is only deleted. */
  private async forward(index: number, pdu: string): Promise<void> {
    if (this.forwarded.has(pdu)) return this.log(`message ${index} was forwarded before (its delete did not happen): deleted, not forwarded again`);
    const m = readDeliver(pdu, this.config.countryCode);
    if (!m) return this.log(`message ${index} not understood`);
    this.stats.received++;
    // Several parts of one long answer are one reply, as the person typed it.
    this.replies.add(m.from, m.part, m.text);
    await this.forwarded.add(pdu);
  }

  /**
   * The modem restarted (RDY, +CPIN: READY): without its settings it would send no status report
   * and announce no message, while its signal looks fine. It is set up again at once, sends
   * waiting meanwhile; down only if that fails. A restart set up again in a moment is no outage:
   * reported `down`, it made the router fail the attempts the modem had sent (and send them
   * again once it was up: the order went out twice while health flapped).
   */
  private restarted(code: string): void {
    this.needsSetUp = true;
    this.log(`modem restarted (${code}): setting it up again`);
    void this.repair();
  }

  /** Sets the modem up again after a restart (tried again at each poll until it takes). */
  private repair(): Promise<void> {
    this.restarting = this.restarting.then(async () => {
      if (!this.needsSetUp) return;
      this.needsSetUp = false;
      if (await this.setUp()) return this.checkHealth();
      this.needsSetUp = true;
      this.report('down', 'modem restarted and could not be set up again: no status reports, no messages announced');
    });
    return this.restarting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopPoll?.();
    this.at?.abort('adapter stopping');
    await this.client.stop();
    await this.line?.close();
    this.journal?.close();
    this.forwarded.close();
  }

  private cmd(text: string, payload?: string): Promise<AtResult> {
    const timeoutS = payload === undefined ? this.config.commandTimeoutS : this.config.submitTimeoutS;
    return this.at!.command(text, { payload, timeoutMs: timeoutS * 1000 });
  }

  private async send(f: SendFrame): Promise<void> {
    // A modem that just restarted is set up again in a moment: a send waits for that instead of
    // failing over to another channel while health flaps.
    await this.restarting;
    if (this.state === 'down') return this.client.failed(f.attemptId, 'no satellite signal or not registered');
    const parts = submitParts(f.to, f.text, this.config.countryCode, (this.concatRef = (this.concatRef + 1) & 0xff));
    const sent: Sent = { attemptId: f.attemptId, parts: parts.length, references: [], to: f.to };
    const references = sent.references;
    for (const part of parts) {
      const r = await this.submit(part.tpduLength, part.pdu);
      this.stats.submits++;
      const cms = /^\+CMS ERROR: ?(\d+)/.exec(r.final);
      if (!r.ok) {
        for (const ref of references) this.receipts.forget(ref);
        return this.client.failed(f.attemptId, `AT+CMGS: ${r.final}`, !!cms && PERMANENT_CMS.has(Number(cms[1])));
      }
      const mr = Number(/^\+CMGS: ?(\d+)/.exec(r.lines.find((l) => l.startsWith('+CMGS')) ?? '')?.[1]);
      if (!Number.isInteger(mr)) {
        sent.parts--; // no reference: no status report can be matched to this part
        continue;
      }
      references.push(mr);
      this.receipts.expect(mr, sent); // at once: its report may come while the next part goes out
    }
    // Again with the whole list, kept (on disk, with a state file) before the router hears of it:
    // after a restart each reference still knows which others its attempt waits for.
    for (const mr of references) if (this.receipts.knows(mr)) this.receipts.expect(mr, sent); // settled ones stay settled
    await this.receipts.durable();
    this.client.accepted(f.attemptId);
  }

  /**
   * One AT+CMGS. A modem that restarts after giving the part its reference (`+CMGS: n`, its OK
   * never said) has sent it: taken as sent, or the router would send the whole message again. One
   * that restarts before has lost it (or never had it): failed, and sent again by the router.
   */
  private async submit(tpduLength: number, pdu: string): Promise<AtResult> {
    try {
      return await this.cmd(`AT+CMGS=${tpduLength}`, pdu);
    } catch (e) {
      if (e instanceof ModemRestarted && e.lines.some((l) => /^\+CMGS: ?\d+/.test(l.trim()))) return { ok: true, final: 'OK', lines: [...e.lines] };
      return { ok: false, final: (e as Error).message, lines: [] };
    }
  }

  private unsolicited(code: string, pdu: string | null): void {
    if (code === 'RDY' || code.startsWith('+CPIN')) return this.restarted(code);
    if (code.startsWith('+CDS') && pdu) return this.statusReport(pdu);
    const index = /^\+CMTI: ?"?\w+"?,(\d+)/.exec(code)?.[1];
    if (index) void this.readMessage(Number(index));
  }

  private statusReport(pdu: string): void {
    const r = readStatusReport(pdu);
    // Its length only: the PDU holds the recipient's full number.
    if (!r) return this.log(`status report not understood (${pdu.length / 2} octets)`);
    this.stats.reports++;
    const outcome = reportOutcome(r.status);
    if (outcome === 'pending') return;
    // The report of the part whose +CMGS answer is still in hand (both in one read): its
    // reference may have stood for an older part whose report never came; it is this part's.
    const justGiven = this.at?.linesSoFar.some((l) => Number(/^\+CMGS: ?(\d+)/.exec(l.trim())?.[1] ?? -1) === r.reference) ?? false;
    const recipient = r.recipient === null ? null : fromInternational(r.recipient, this.config.countryCode);
    this.receipts.receiptFrom(r.reference, recipient, (sent) => {
      this.receipts.forget(r.reference);
      if (outcome === 'failed') return this.client.failed(sent.attemptId, `status report: TP-ST 0x${r.status.toString(16)}`);
      if (sent.references.length === sent.parts && sent.references.every((mr) => !this.receipts.knows(mr))) this.client.delivered(sent.attemptId);
    }, justGiven);
  }

  private async readMessage(index: number): Promise<void> {
    try {
      const r = await this.cmd(`AT+CMGR=${index}`);
      const pdu = r.lines.find((l) => /^[0-9A-Fa-f]+$/.test(l.trim()));
      if (pdu) await this.forward(index, pdu.trim());
      else this.log(`message ${index} not understood`);
      await this.cmd(`AT+CMGD=${index}`);
    } catch (e) {
      this.log(`reading message ${index}: ${(e as Error).message}`);
    }
  }

  private async poll(): Promise<void> {
    await (this.needsSetUp ? this.repair() : this.checkHealth());
    if (this.stopped) return; // stopped during the poll: no next one on a closed port
    this.stopPoll = this.clock.schedule(this.clock.now() + this.config.pollS * 1000, () => void this.poll());
  }

  /** Signal and registration: 99 or not registered (stat 1 home, 5 roaming) is down. */
  private async checkHealth(): Promise<void> {
    if (this.needsSetUp) return; // being set up again: how it is comes after
    try {
      const csq = await this.cmd('AT+CSQ');
      const creg = await this.cmd('AT+CREG?');
      const rssi = Number(/\+CSQ: ?(\d+)/.exec(csq.lines.join(' '))?.[1] ?? 99);
      const stat = Number(/\+CREG: ?\d+,(\d+)/.exec(creg.lines.join(' '))?.[1] ?? 0);
      const up = rssi !== 99 && (stat === 1 || stat === 5);
      this.report(up ? 'up' : 'down', up ? `signal ${rssi}/31, registered` : rssi === 99 ? 'no satellite signal' : `not registered (stat ${stat})`);
    } catch (e) {
      if (e instanceof ModemRestarted) return; // the set-up after the restart says how it is
      this.report('down', `modem does not answer: ${(e as Error).message}`);
    }
  }

  private report(state: 'up' | 'down', detail: string): void {
    if (state === this.state) return;
    this.state = state;
    this.client.health(state, detail);
    this.log(`health ${state}: ${detail}`);
  }
}
