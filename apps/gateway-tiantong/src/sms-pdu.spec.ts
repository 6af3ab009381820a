import { parse } from 'node-pdu';
import { seededRandom, smsSegments } from '@lifeline/domain';
import { concatOf, fromInternational, readDeliver, readStatusReport, reportOutcome, statusReportPdu, submitParts, toInternational, deliverPdu } from './sms-pdu';

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

  /**
   * One text budget: the router plans a text's SMS parts (`smsSegments`: 70 UCS-2 units or 160
   * septets alone, 67 or 153 a part with the 6-octet header); the modem must send exactly those
   * parts, each within 140 octets, and the phone must read the text back whole.
   */
  it('sends the parts the router planned, never more, for any text at every limit', () => {
    const random = seededRandom(20261205);
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz 0123456789.,!?', // GSM-7
      'abcXYZ 019{}[]~^|€\\', // GSM-7 with extension characters (two septets each)
      '请立即组织群众转移到安置点，清点人数后上报。', // Chinese
      '撤离A7K2 回复1确认!', // mixed: UCS-2
      '🌀🌊⚠️水位', // outside the BMP: surrogate pairs
      'éàüñ £¥ Øø', // GSM-7 letters past 192
    ];
    for (let i = 0; i < 400; i++) {
      const pool = [...alphabets[i % alphabets.length]];
      const limits = [70, 71, 67 * 2, 67 * 2 + 1, 160, 161, 153 * 2, 153 * 2 + 1, 400];
      const length = i < limits.length * alphabets.length ? limits[Math.floor(i / alphabets.length) % limits.length] : 1 + Math.floor(random() * 500);
      const text = Array.from({ length }, () => pool[Math.floor(random() * pool.length)]).join('').slice(0, length);
      const planned = smsSegments(text).parts;
      const parts = submitParts('17400000001', text, '86', 7);
      expect({ text, parts: parts.length }).toEqual({ text, parts: planned.length });
      const read = parts.map((p) => {
        const s = parse(p.pdu) as unknown as { data: { getText(): string; parts: { header: unknown }[] } };
        expect(p.tpduLength).toBeLessThanOrEqual(14 + 140); // the TPDU's fields (14 octets to this number), user data 140 at most
        return { text: s.data.getText(), part: concatOf(s.data.parts[0]?.header) };
      });
      expect(read.map((r) => r.text).join('')).toBe(text);
      if (parts.length > 1) expect(read.map((r) => r.part)).toEqual(read.map((_, k) => ({ ref: 7, total: parts.length, seq: k + 1 })));
    }
  });
});
