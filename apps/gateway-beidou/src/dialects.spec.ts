import { bds3, rdss2 } from './dialects';
import { encodeSentence, parseSentence } from './rdss';

describe('Beidou dialects', () => {
  it('RDSS 2.1: urgent flag, interval refusals with their wait, received messages', () => {
    const d = rdss2(2);
    expect(d.send('0967760', '123_ABC汉字', false)).toBe('$CCTXA,0967760,1,2,A43132335F414243BABAD7D6*77\r\n');
    expect(parseSentence(d.send('0967760', 'x', true)).fields.slice(0, 2)).toEqual(['0967760', '0']);
    expect(d.feedback(parseSentence('$BDFKI,TXA,N,N,0,0040*17'))).toEqual({ ok: false, waitMs: 40_000, reason: 'service interval not reached' });
    expect(d.received(parseSentence(encodeSentence('BD', 'TXR', [1, '0451736', 2, '0930', 'A441374B322031']))))
      .toEqual({ from: '0451736', text: 'A7K2 1' });
  });

  it('BDS-3: $CCTCQ with confirmation, $BDFKI reasons, $BDTCI', () => {
    const d = bds3(3, 2, true);
    expect(parseSentence(d.send('0242286', '收到', false)).fields).toEqual(['0242286', '2', '2', '3', 'CAD5B5BD', '0']);
    expect(d.feedback(parseSentence(encodeSentence('BD', 'FKI', ['093015', 'TCQ', 'N', 1, 30])))).toEqual({ ok: false, waitMs: 30_000, reason: 'service interval not reached' });
    expect(d.feedback(parseSentence(encodeSentence('BD', 'FKI', ['093015', 'TCQ', 'Y', 0, 0])))!.ok).toBe(true);
    expect(d.received(parseSentence(encodeSentence('BD', 'TCI', ['0451736', '0242286', 2, '093020', 3, 0, 'CAD5B5BD'])))).toEqual({ from: '0451736', text: '收到' });
  });
});
