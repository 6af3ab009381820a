import { SystemClock } from '@lifeline/clock';
import type { Clock } from '@lifeline/clock';
import * as smpp from 'smpp';
import { z } from 'zod';
import { id } from '@lifeline/contracts';
import { clientFromConfig, type GatewayClient, KeyJournal, linkConfig, LongReplies, ReceiptMatcher, type SendFrame } from '@lifeline/gateway-sdk';
import { concatOf, messageText, nationalNumber, readReceipt, receiptOutcome, receiptText, submitBodies } from './smpp-pdu';
import { SmscLink } from './smsc-link';

export const smppConfig = linkConfig.extend({
  channel: id.default('public'),
  smsc: z.strictObject({
    url: z.string().regex(/^s?smpp:\/\//, 'expected smpp://host:port'),
    systemId: z.string().min(1).max(15),
    password: z.string().max(8),
    systemType: z.string().max(12).optional(),
    /** The sender number people see and answer to. */
    sourceAddr: z.string().min(1).max(20),
    /** Numbers in international form (`86…`, `+86…`) become national, as the directory keeps them. */
    countryCode: z.string().regex(/^\d{1,3}$/, 'expected the country calling code, digits only').default('86'),
    /** A long reply's parts are joined; past this, what came is passed on without the missing part. */
    replyPartsWaitS: z.number().min(1).default(60),
    enquireLinkS: z.number().min(1).default(30),
    responseTimeoutS: z.number().min(1).default(30),
    reconnect: z.strictObject({ baseMs: z.number().int().min(10).default(1_000), maxMs: z.number().int().min(100).default(60_000) }).prefault({}),
  }),
  /** ESME_RTHROTTLED / ESME_RMSGQFUL: wait this long and submit again, this many times at most. */
  throttle: z.strictObject({ backoffMs: z.number().int().min(1).default(1_000), maxRetries: z.number().int().min(0).default(10) }).prefault({}),
});
export type SmppConfig = z.output<typeof smppConfig>;

/** Submit statuses worth trying again after a pause: the SMS centre is busy, not refusing. */
const THROTTLED = new Set([smpp.ESME_RTHROTTLED, smpp.ESME_RMSGQFUL]);
/** Submit statuses that no retry will fix: the number itself is wrong. */
const PERMANENT = new Set([smpp.ESME_RINVDSTADR, 0x0a /* RINVSRCADR */, 0x0c /* RINVDSTTON: bad number type */]);

/** An attempt out: delivered when every segment has an id and none is left waiting for its receipt. */
const sent = z.strictObject({
  attemptId: z.string().max(300),
  segments: z.number().int().positive(),
  messageIds: z.array(z.string().max(65)),
  /** Whom it went to: a receipt from another handset under the same id is not its. */
  to: z.string().max(64).optional(),
});
type Sent = z.output<typeof sent>;
/** What the state file keeps of a message id in flight (read back as any input is: parsed). */
const kept = z.strictObject({ key: z.string().max(65), value: sent });

/**
 * The SMS centre adapter: each send becomes one submit_sm per concatenated segment (UCS-2 or
 * GSM-7, UDH when long) with registered_delivery; the attempt is accepted when every segment is,
 * delivered when every segment's receipt says DELIVRD, failed on the first final failure.
 * Mobile-originated messages are forwarded as replies.
 */
export class SmppAdapter {
  readonly client: GatewayClient;
  readonly link: SmscLink;
  /** By message id; an SMS centre may send a receipt in the same read as its submit_sm_resp. */
  private readonly receipts: ReceiptMatcher<string, Sent>;
  /** The message ids in flight, on disk when the config names a state file: they outlive a restart. */
  private readonly journal: KeyJournal<{ key: string; value: Sent }> | null;
  private readonly replies: LongReplies;
  private concatRef = 0;
  private throttledUntil = 0;
  /** Unbinding because the adapter stops (a restart): not an outage to report. */
  private stopping = false;

  constructor(
    private readonly config: SmppConfig,
    private readonly log: (m: string) => void = () => {},
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.journal = config.stateFile ? new KeyJournal(config.stateFile, kept) : null;
    if (this.journal?.ignored) log(`state file ${config.stateFile}: ${this.journal.ignored} entries not understood, left out`);
    this.receipts = new ReceiptMatcher(clock, 10_000, 200_000, this.journal, (s) => s.to);
    this.client = clientFromConfig(config, { clock, log, onSend: (f) => this.send(f) });
    this.replies = new LongReplies(clock, config.smsc.replyPartsWaitS * 1000, (from, text) => this.client.reply(from, text));
    this.link = new SmscLink({
      ...config.smsc,
      clock,
      log,
      onBound: () => this.client.health('up', 'bound to the SMS centre'),
      onUnbound: (reason) => this.stopping || this.client.health('down', reason),
      onDeliver: (pdu) => this.deliver(pdu),
    });
  }

  start(): void {
    this.client.health('down', 'not yet bound to the SMS centre');
    this.client.start();
    this.link.start();
  }

  async stop(): Promise<void> {
    // The link's grace keeps what is in flight while the adapter restarts; a `down` now would
    // send every delivery on this channel elsewhere for a restart of seconds.
    this.stopping = true;
    await this.link.stop();
    await this.client.stop();
    this.journal?.close();
  }

  private async send(f: SendFrame): Promise<void> {
    const bodies = submitBodies(f.text, (this.concatRef = (this.concatRef + 1) & 0xff));
    const sent: Sent = { attemptId: f.attemptId, segments: bodies.length, messageIds: [], to: f.to };
    for (const body of bodies) {
      const resp = await this.submit({
        source_addr: this.config.smsc.sourceAddr,
        destination_addr: f.to,
        registered_delivery: 1,
        priority_flag: f.priority === 'flash' ? 3 : f.priority === 'immediate' ? 2 : f.priority === 'priority' ? 1 : 0,
        ...body,
      });
      if (resp.command_status !== 0) {
        const status = `0x${resp.command_status.toString(16).padStart(8, '0')}`;
        this.forget(sent);
        return this.client.failed(f.attemptId, `submit_sm refused with ${status}${THROTTLED.has(resp.command_status) ? ' (throttled)' : ''}`, PERMANENT.has(resp.command_status));
      }
      sent.messageIds.push(String(resp.message_id));
      this.receipts.expect(String(resp.message_id), sent); // at once: a throttled next segment may take a while
    }
    // Again with the whole list, kept (on disk, with a state file) before the router hears of it:
    // after a restart each id still knows which others its attempt waits for. An id whose receipt
    // came meanwhile is settled: expecting it again would leave the attempt waiting for it forever.
    for (const id of sent.messageIds) if (this.receipts.knows(id)) this.receipts.expect(id, sent);
    await this.receipts.durable();
    this.client.accepted(f.attemptId);
  }

  /** submit_sm, pausing and trying again while the SMS centre says it is throttling us. */
  private async submit(params: Record<string, unknown>): Promise<smpp.Pdu> {
    for (let tries = 0; ; tries++) {
      if (this.throttledUntil > this.clock.now()) await this.until(this.throttledUntil);
      const resp = await this.link.submit(params);
      if (!THROTTLED.has(resp.command_status) || tries >= this.config.throttle.maxRetries) return resp;
      this.throttledUntil = Math.max(this.throttledUntil, this.clock.now() + this.config.throttle.backoffMs);
    }
  }

  private until(at: number): Promise<void> {
    return new Promise((resolve) => this.clock.schedule(at, resolve));
  }

  private deliver(pdu: smpp.Pdu): void {
    const from = pdu.source_addr ? nationalNumber(String(pdu.source_addr), this.config.smsc.countryCode) : null;
    if ((pdu.esm_class & 0x04) === 0) {
      if (from) this.replies.add(from, concatOf(pdu), messageText(pdu));
      return;
    }
    const r = readReceipt(pdu.receipted_message_id ? String(pdu.receipted_message_id) : undefined, pdu.message_state, receiptText(pdu));
    const messageId = r.messageId;
    if (!messageId) return this.log('receipt without a message id: ignored');
    const outcome = receiptOutcome(r.state);
    if (outcome.kind === 'pending') return;
    // From another handset than the one this id last stood for: a newer send's whose
    // submit_sm_resp is not handled yet (a centre that restarted gives ids again).
    this.receipts.receiptFrom(messageId, from, (sent) => {
      if (outcome.kind === 'failed') {
        this.forget(sent);
        return this.client.failed(sent.attemptId, outcome.reason, outcome.permanent);
      }
      this.receipts.forget(messageId);
      if (sent.messageIds.length === sent.segments && sent.messageIds.every((m) => !this.receipts.knows(m))) this.client.delivered(sent.attemptId);
    });
  }

  private forget(sent: Sent): void {
    for (const m of sent.messageIds) this.receipts.forget(m);
  }
}
