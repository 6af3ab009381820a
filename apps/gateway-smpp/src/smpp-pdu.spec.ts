import fc from 'fast-check';
import { PDU, type Pdu } from 'smpp';
import { VirtualClock } from '@lifeline/clock';
import { LongReplies } from '@lifeline/gateway-sdk';
import { channelsOfKind, orderTexts, plansAtEveryLimit, textBudgetSeed } from '../../../test/support/text-budget';
import { concatOf, concatUdh, messageText, nationalNumber, readReceipt, receiptOutcome, receiptText, submitBodies } from './smpp-pdu';

describe('SMPP receipts', () => {
  it.each([
    [2, 'delivered', undefined],
    [3, 'failed', false],
    [5, 'failed', false],
    [8, 'failed', true],
    [1, 'pending', undefined],
    [6, 'pending', undefined],
    [undefined, 'pending', undefined],
  ])('message_state %p settles as %s (permanent %p)', (state, kind, permanent) => {
    const o = receiptOutcome(state);
    expect(o.kind).toBe(kind);
    if (o.kind === 'failed') expect(o.permanent).toBe(permanent);
  });

  it('prefers the TLVs and falls back to the receipt text', () => {
    const text = 'id:0A1B sub:001 dlvrd:001 submit date:2611230800 done date:2611230801 stat:UNDELIV err:001 Text:...';
    expect(readReceipt('FF', 2, text)).toEqual({ messageId: 'FF', state: 2 });
    expect(readReceipt(undefined, undefined, text)).toEqual({ messageId: '0A1B', state: 5 });
    expect(readReceipt(undefined, undefined, 'hello')).toEqual({ messageId: null, state: undefined });
  });

  it('builds the 6-byte concatenation header', () => {
    expect([...concatUdh(0x1a2, 3, 2)]).toEqual([5, 0, 3, 0xa2, 3, 2]);
  });
});

describe('what SMS centres send, in the forms they send it', () => {
  const receipt = 'id:1A2B sub:001 dlvrd:001 submit date:2612050800 done date:2612050801 stat:DELIVRD err:000 Text:';

  it('reads a text receipt whose bytes are ASCII under data_coding 8, as npm smpp hands it over', () => {
    // npm smpp decodes by data_coding: the ASCII bytes come out as UTF-16 (CJK-looking) text.
    const bytes = Buffer.from(receipt.length % 2 ? `${receipt} ` : receipt, 'latin1'); // whole UTF-16 units
    const misread = bytes.swap16().toString('utf16le');
    expect(misread).not.toContain('id:');
    const pdu = { data_coding: 8, short_message: { message: misread } } as unknown as Pdu;
    expect(readReceipt(undefined, undefined, receiptText(pdu))).toEqual({ messageId: '1A2B', state: 2 });
  });

  it('keeps a receipt text that reads right as it is', () => {
    const pdu = { data_coding: 0, short_message: { message: receipt } } as unknown as Pdu;
    expect(receiptText(pdu)).toBe(receipt);
    const ucs2 = { data_coding: 8, short_message: { message: receipt } } as unknown as Pdu; // really UCS-2
    expect(receiptText(ucs2)).toBe(receipt);
  });

  it.each([
    ['8613800000001', '13800000001'],
    ['+8613800000001', '13800000001'],
    ['008613800000001', '13800000001'],
    ['13800000001', '13800000001'],
    ['12379', '12379'],
    ['+4915112345678', '+4915112345678'],
    ['86-138', '86-138'],
  ])('takes %p as the national number %p', (address, national) => {
    expect(nationalNumber(address, '86')).toBe(national);
  });

  it('reads the 8-bit and 16-bit concatenation headers', () => {
    expect(concatOf({ short_message: { udh: [Buffer.from([0x00, 0x03, 0x2a, 3, 2])] } } as unknown as Pdu)).toEqual({ ref: 0x2a, total: 3, seq: 2 });
    expect(concatOf({ short_message: { udh: [Buffer.from([0x08, 0x04, 0x01, 0x02, 2, 1])] } } as unknown as Pdu)).toEqual({ ref: 0x102, total: 2, seq: 1 });
    expect(concatOf({ short_message: { message: 'x' } } as unknown as Pdu)).toBeNull();
  });
});

describe('long replies', () => {
  const setup = () => {
    const clock = new VirtualClock(0);
    const out: [string, string][] = [];
    return { clock, out, replies: new LongReplies(clock, 60_000, (from, text) => out.push([from, text])) };
  };

  it('joins the parts of a long reply in order, whatever order they came in, once', () => {
    const { out, replies } = setup();
    replies.add('13800000001', { ref: 7, total: 3, seq: 3 }, 'C');
    replies.add('13800000001', { ref: 7, total: 3, seq: 1 }, 'A');
    replies.add('13800000001', { ref: 7, total: 3, seq: 1 }, 'A'); // a repeat
    expect(out).toEqual([]);
    replies.add('13800000001', { ref: 7, total: 3, seq: 2 }, 'B');
    expect(out).toEqual([['13800000001', 'ABC']]);
  });

  it('passes a short reply on at once, and what came of a long one when a part never comes', async () => {
    const { clock, out, replies } = setup();
    replies.add('13800000002', null, 'K7MP 1');
    replies.add('13800000001', { ref: 9, total: 2, seq: 1 }, 'K7MP 1 已收到，');
    expect(out).toEqual([['13800000002', 'K7MP 1']]);
    await clock.advance(60_000);
    expect(out).toEqual([['13800000002', 'K7MP 1'], ['13800000001', 'K7MP 1 已收到，']]);
  });
});

/**
 * One text budget: the router fits an order's text to the public channel's configured SMS
 * segments (`fitText`); the adapter's submit_sm bodies, written to bytes by npm `smpp` and read
 * back, must be exactly that many, each within one SMS (140 octets; 160 septets for data_coding 0,
 * the header's 6 octets taking 7), and give the text back whole and in order.
 */
describe('one text budget: the SMS centre gets the segments the router planned', () => {
  const submitSm = (body: object): Buffer => new PDU('submit_sm', { source_addr: '12110', destination_addr: '13800000001', registered_delivery: 1, ...body }).toBuffer();

  it.each(channelsOfKind('public').map((c) => [c.id, c] as const))('%s: for any text at every segment limit', (_id, channel) => {
    if (channel.text.kind !== 'sms') throw new Error(`${channel.id}: an SMS channel is limited in segments`);
    const limit = channel.text;
    const seed = textBudgetSeed(`smpp ${channel.id}`);
    fc.assert(
      fc.property(orderTexts(), fc.integer({ min: 0, max: 255 }), (order, ref) => {
        for (const plan of plansAtEveryLimit(limit, channel.narrowband, order)) {
          const bodies = submitBodies(plan.text, ref);
          expect({ text: plan.text, segments: bodies.length }).toEqual({ text: plan.text, segments: plan.segments });
          expect(plan.segments).toBeLessThanOrEqual(limit.maxSegments);
          const read = bodies.map((body) => {
            const wire = submitSm(body);
            // short_message's octets: the submit_sm's bytes less those of the same with none.
            const octets = wire.length - submitSm({ ...body, short_message: Buffer.alloc(0) }).length;
            const udh = Buffer.isBuffer(body.short_message) ? 0 : body.short_message.udh.length;
            // GSM-7 goes a septet an octet here and is packed by the centre: the header's 6 octets take 7 septets.
            const fits = body.data_coding === 0 ? octets - udh + Math.ceil((udh * 8) / 7) <= 160 : octets <= 140;
            expect({ text: plan.text, octets, fits }).toEqual({ text: plan.text, octets, fits: true });
            const pdu = new PDU(wire as unknown as string);
            return { text: messageText(pdu), part: concatOf(pdu) };
          });
          expect(read.map((r) => r.text).join('')).toBe(plan.text);
          const parts = read.map((r) => r.part);
          expect(parts).toEqual(bodies.length > 1 ? bodies.map((_, i) => ({ ref, total: bodies.length, seq: i + 1 })) : [null]);
        }
      }),
      { seed, numRuns: 60 },
    );
  });
});
