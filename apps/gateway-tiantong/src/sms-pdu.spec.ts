import { fromInternational, readDeliver, readStatusReport, reportOutcome, statusReportPdu, submitParts, toInternational, deliverPdu } from './sms-pdu';
import { parse } from 'node-pdu';

describe('SMS PDUs for the AT-command adapter', () => {
  it('addresses go out international and come back national', () => {
    expect(toInternational('17400000001', '86')).toBe('+8617400000001');
    expect(toInternational('+8617400000001', '86')).toBe('+8617400000001');
    expect(fromInternational('8617400000001', '86')).toBe('17400000001');
  });

  it('a long Chinese text becomes UCS-2 parts with a status report requested and the right TPDU length', () => {
    const text = '[A7K2]台风“梅花”今晚登陆滨江县沿海，风力可达十四级。请立即组织沿海低洼地带、危旧房屋和渔船上的群众向避灾安置点转移。 回复1确认';
    const parts = submitParts('17400000001', text, '86');
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
    expect(readStatusReport(statusReportPdu(5, '17400000001', 0x00, new Date(Date.UTC(2026, 10, 23, 8, 30))))).toEqual({ reference: 5, status: 0 });
    expect([0x00, 0x21, 0x41].map(reportOutcome)).toEqual(['delivered', 'pending', 'failed']);
    expect(readDeliver(deliverPdu('17400000001', 'A7K2 收到', '86'), '86')).toEqual({ from: '17400000001', text: 'A7K2 收到', part: null });
    expect(readStatusReport('zz')).toBeNull();
  });
});
