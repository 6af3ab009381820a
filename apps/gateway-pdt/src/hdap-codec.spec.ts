import fc from 'fast-check';
import { channelsOfKind, orderTexts, plansAtEveryLimit, textBudgetSeed } from '../../../test/support/text-budget';
import { decodeFrame, encodeRrs, encodeTmp, FrameError, RRS_TYPE } from './hdap-codec';

const hex = (b: Buffer) => b.toString('hex').toUpperCase().match(/../g)!.join(' ');
const bytes = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
const radio = (radioId: number) => ({ subnet: 10, radioId });

describe('HDAP codec (TMP and RRS), byte for byte', () => {
  // 3321751 = 0x32AF97; checksum 0x4D makes opcode..payload sum to 0 mod 256.
  const PRIVATE = '09 00 A1 00 12 00 00 00 01 0A 32 AF 97 0A 00 00 01 41 00 31 00 00 00 4D 03';

  it('encodes a private message asking for an ack, text in UTF-16LE ending in 0x0000', () => {
    expect(hex(encodeTmp({ kind: 'message', group: false, ackRequired: true, requestId: 1, to: radio(3321751), from: radio(1), text: 'A1' }))).toBe(PRIVATE);
  });

  it('decodes it back, and Chinese text round-trips', () => {
    expect(decodeFrame(bytes(PRIVATE))).toEqual({ service: 'tmp', reliable: false, tmp: { kind: 'message', group: false, ackRequired: true, requestId: 1, to: radio(3321751), from: radio(1), text: 'A1' } });
    const text = '[A7K2]台风今晚登陆，立即转移沿海群众 回复1确认';
    const f = decodeFrame(encodeTmp({ kind: 'message', group: false, ackRequired: false, requestId: 0xfffffffe, to: radio(7), from: radio(3321751), text }));
    expect(f).toMatchObject({ tmp: { text, ackRequired: false, requestId: 0xfffffffe } });
  });

  /**
   * One text budget: the router fits a 370MHz text to the PDT channel's configured characters
   * (fitText, `chars`: UTF-16 units, 140 by default); the radio's text is UTF-16LE, so it takes
   * two bytes a unit and never more than the limit's, and the radio reads back exactly what the
   * router planned (the adapter cuts nothing), emoji and surrogate pairs included.
   */
  it.each(channelsOfKind('pdt').map((c) => [c.id, c] as const))('%s: carries any text the router fitted within its bytes, and whole', (_id, channel) => {
    if (channel.text.kind !== 'chars') throw new Error(`${channel.id}: a PDT channel is limited in characters`);
    const limit = channel.text;
    const seed = textBudgetSeed(`pdt ${channel.id}`);
    fc.assert(
      fc.property(orderTexts(400), fc.integer({ min: 1, max: 0xfffffffe }), (order, requestId) => {
        for (const plan of plansAtEveryLimit(limit, channel.narrowband, order)) {
          expect(plan.segments).toBe(1);
          const frame = encodeTmp({ kind: 'message', group: false, ackRequired: true, requestId, to: radio(3321751), from: radio(1), text: plan.text });
          // The frame's text: its payload (length field) less the request id and two radio IPs, and the 0x0000 end.
          const textBytes = frame.readUInt16BE(3) - 12 - 2;
          expect({ text: plan.text, bytes: textBytes }).toEqual({ text: plan.text, bytes: 2 * plan.text.length });
          expect(textBytes).toBeLessThanOrEqual(2 * limit.maxChars);
          expect(decodeFrame(frame)).toMatchObject({ tmp: { text: plan.text } });
        }
      }),
      { seed, numRuns: 60 },
    );
  });

  it('encodes a private ack with its result code', () => {
    const ack = encodeTmp({ kind: 'ack', group: false, requestId: 1, to: radio(1), from: radio(3321751), result: 4 });
    expect(hex(ack)).toBe('09 00 A2 00 0D 00 00 00 01 0A 00 00 01 0A 32 AF 97 04 BF 03');
    expect(decodeFrame(ack)).toMatchObject({ tmp: { kind: 'ack', requestId: 1, result: 4, from: radio(3321751) } });
  });

  it("writes radio ids as Hytera's decimal pairs when configured (10.22.0.0 is radio 2200)", () => {
    const f = encodeRrs({ type: RRS_TYPE.registration, radio: { subnet: 10, radioId: 2200 } }, 'decimalPairs');
    expect(hex(f)).toBe('11 00 03 00 04 0A 00 16 00 D9 03');
    expect(decodeFrame(f, 'decimalPairs')).toEqual({ service: 'rrs', reliable: false, rrs: { type: 3, radio: { subnet: 10, radioId: 2200 } } });
  });

  it('encodes a registration ack with result and valid time', () => {
    const f = encodeRrs({ type: RRS_TYPE.registrationAck, radio: radio(3321751), result: 0, validS: 3600 });
    expect(decodeFrame(f)).toEqual({ service: 'rrs', reliable: false, rrs: { type: 0x80, radio: radio(3321751), result: 0, validS: 3600 } });
  });

  it.each([
    ['a short frame', '09 00 A1', /shorter than/],
    ['no 0x03 footer', PRIVATE.slice(0, -2) + '04', /0x03/],
    ['a wrong length', PRIVATE.replace('00 12', '00 13'), /length field/],
    ['a bad checksum', PRIVATE.replace('4D 03', '4E 03'), /checksum/],
    ['an unknown service', '0A 00 00 00 00 00 03', /neither TMP/],
  ])('refuses %s', (_name, frame, message) => {
    expect(() => decodeFrame(bytes(frame))).toThrow(FrameError);
    expect(() => decodeFrame(bytes(frame))).toThrow(message);
  });

  it('refuses a decimal-pairs radio IP with a byte over 99 (it would alias another radio, or none)', () => {
    const f = encodeRrs({ type: RRS_TYPE.registration, radio: { subnet: 10, radioId: 150 << 8 } }); // bytes 10.0.150.0
    expect(() => decodeFrame(f, 'decimalPairs')).toThrow(FrameError);
    expect(() => decodeFrame(f, 'decimalPairs')).toThrow(/10\.0\.150\.0 is not a decimal-pairs radio IP/);
  });

  it('refuses a radio id that does not fit', () => {
    expect(() => encodeTmp({ kind: 'message', group: false, ackRequired: true, requestId: 1, to: radio(2 ** 24), from: radio(1), text: '' })).toThrow(/does not fit/);
  });
});
