import fc from 'fast-check';
import { parse } from 'node-pdu';
import { channelsOfKind, orderTexts, plansAtEveryLimit, textBudgetSeed } from '../../../test/support/text-budget';
import { concatOf, fromInternational, readDeliver, readStatusReport, reportOutcome, statusReportPdu, submitParts, textOf, toInternational, deliverPdu } from './sms-pdu';

describe('SMS PDUs for the AT-command adapter', () => {
  it('addresses go out international and come back national', () => {
    expect(toInternational('17400000001', '86')).toBe('+8617400000001');
    expect(toInternational('+8617400000001', '86')).toBe('+8617400000001');
    expect(fromInternational('8617400000001', '86')).toBe('17400000001');
  });

  it('a long Chinese text becomes UCS-2 parts with a status report requested and the right TPDU length', () => {
    const text = '[A7K2]台风“梅花”今晚登陆滨江县沿海，风力可达十四级。请立即组织沿海低洼地带、危旧房屋和渔船上的群众向避灾安置点转移，清点人数后上报。 回复1确认';
    const parts = submitParts('17400000001', text, '86', 42);
    expect(parts.length).toBe(2);
    for (const p of parts) {
      expect(p.pdu.startsWith('00')).toBe(true);
      expect(p.tpduLength).toBe(p.pdu.length / 2 - 1);
      const s = parse(p.pdu) as unknown as { type: { statusReportRequest: number }; address: { phone: string } };
      expect(s.type.statusReportRequest).toBe(1);
      expect(s.address.phone).toBe('8617400000001');
    }
    expect(parts.map((p) => (parse(p.pdu) as unknown as { data: { getText(): string } }).data.getText()).join('')).toBe(text);
  });

  it('reads status reports and received messages', () => {
    expect(readStatusReport(statusReportPdu(5, '17400000001', 0x00, new Date(Date.UTC(2026, 10, 23, 8, 30))))).toEqual({ reference: 5, status: 0, recipient: '8617400000001' });
    expect([0x00, 0x21, 0x41].map(reportOutcome)).toEqual(['delivered', 'pending', 'failed']);
    expect(readDeliver(deliverPdu('17400000001', 'A7K2 收到', '86'), '86')).toEqual({ from: '17400000001', text: 'A7K2 收到', part: null });
    expect(readStatusReport('zz')).toBeNull();
  });

  it('sends and reads GSM-7 `§` as 0x5F, the septet GSM 03.38 gives it (node-pdu has `` ` `` there)', () => {
    const [part] = submitParts('17400000001', 'a§b', '86', 1);
    expect(part.pdu.endsWith('03E1AF18')).toBe(true); // a 0x61, § 0x5F, b 0x62 packed
    expect(textOf(parse(part.pdu) as unknown as Parameters<typeof textOf>[0])).toBe('a§b');
    // A phone's 0x5F (node-pdu writes it for a backtick): read as §.
    expect(readDeliver(deliverPdu('17400000001', 'A7K2 `1', '86'), '86')?.text).toBe('A7K2 §1');
  });

  /**
   * One text budget: the router fits an order's text to the Tiantong channel's configured SMS
   * segments (`fitText`); the modem must send exactly that many SMS-SUBMIT parts, each within 140
   * octets of user data, and the phone must read the text back whole, for Chinese, GSM-7 (with
   * extension characters), mixed, emoji and rare characters, at and around every segment limit.
   */
  it.each(channelsOfKind('satellite').map((c) => [c.id, c] as const))('%s: sends the parts the router planned, never more, for any text at every limit', (_id, channel) => {
    if (channel.text.kind !== 'sms') throw new Error(`${channel.id}: an SMS channel is limited in segments`);
    const limit = channel.text;
    const seed = textBudgetSeed(`tiantong ${channel.id}`);
    fc.assert(
      fc.property(orderTexts(), fc.integer({ min: 0, max: 255 }), (order, ref) => {
        for (const plan of plansAtEveryLimit(limit, channel.narrowband, order)) {
          const parts = submitParts('17400000001', plan.text, '86', ref);
          expect({ text: plan.text, parts: parts.length }).toEqual({ text: plan.text, parts: plan.segments });
          expect(plan.segments).toBeLessThanOrEqual(limit.maxSegments);
          const read = parts.map((p) => {
            const s = parse(p.pdu) as unknown as Parameters<typeof textOf>[0] & { data: { parts: { header: unknown }[] } };
            expect(p.tpduLength).toBeLessThanOrEqual(14 + 140); // the TPDU's fields (14 octets to this number), user data 140 at most
            return { text: textOf(s), part: concatOf(s.data.parts[0]?.header) };
          });
          expect(read.map((r) => r.text).join('')).toBe(plan.text);
          if (parts.length > 1) expect(read.map((r) => r.part)).toEqual(read.map((_, k) => ({ ref, total: parts.length, seq: k + 1 })));
        }
      }),
      { seed, numRuns: 40 },
    );
  });
});
