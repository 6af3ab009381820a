import * as iconv from 'iconv-lite';
import { seededRandom } from '@lifeline/domain';
import { contentBits, decodeContent, encodeContent, encodeSentence, fitBits, parseSentence, payloadBits, SentenceError, waitMs } from './rdss';

describe('RDSS 2.1 sentences', () => {
  it("reproduces the protocol's own examples, checksums included", () => {
    expect(encodeSentence('CC', 'TXA', ['0967760', 1, 2, encodeContent('123_ABC汉字', 2)])).toBe('$CCTXA,0967760,1,2,A43132335F414243BABAD7D6*77\r\n');
    expect(encodeSentence('CC', 'ICA', [0, '00'])).toBe('$CCICA,0,00*7B\r\n');
  });

  it('parses feedback and card info', () => {
    expect(parseSentence('$BDFKI,TXA,Y,Y,0,0040*17\r\n')).toEqual({ talker: 'BD', type: 'FKI', fields: ['TXA', 'Y', 'Y', '0', '0040'] });
    expect(parseSentence('$BDICI,0242286,00242286,0000011,6,60,3,N,0*38').fields).toEqual(['0242286', '00242286', '0000011', '6', '60', '3', 'N', '0']);
    expect(waitMs('0040')).toBe(40_000);
    expect(waitMs('0130')).toBe(90_000);
  });

  it.each([
    ['a wrong checksum', '$BDFKI,TXA,Y,Y,0,0040*18'],
    ['no checksum', '$BDFKI,TXA,Y,Y,0,0040'],
    ['no dollar', 'BDFKI,TXA*17'],
  ])('refuses %s', (_n, line) => expect(() => parseSentence(line)).toThrow(SentenceError));

  it('round-trips Chinese in mixed and Chinese modes, and refuses non-hex content', () => {
    expect(decodeContent(encodeContent('[A7K2]立即转移 回复1确认', 2), 2)).toBe('[A7K2]立即转移 回复1确认');
    expect(decodeContent(encodeContent('立即转移', 0), 0)).toBe('立即转移');
    expect(() => decodeContent('A4XYZ', 2)).toThrow(SentenceError);
  });

  it('reads the raw GB2312 bytes some terminals send in Chinese mode, checksum and all', () => {
    const raw = iconv.encode('收到，已转移', 'gb2312').toString('latin1');
    const line = encodeSentence('BD', 'TXR', [1, '0451736', 0, '0830', raw]);
    const s = parseSentence(line);
    expect(decodeContent(s.fields[4], Number(s.fields[2]))).toBe('收到，已转移');
    expect(parseSentence(line.replace(/\*([0-9A-F]{2})/, (_m, h: string) => `*${h.toLowerCase()}`)).fields[4]).toBe(raw); // lowercase checksum
  });

  it('never fits a text into more bits on air than the card takes, marker byte included', () => {
    const random = seededRandom(20261205);
    const pool = ['请', '立', '即', '转', '移', 'A', '7', ' ', '…', '[', ']', '，'];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 120) }, () => pool[Math.floor(random() * pool.length)]).join('');
      for (const max of [110, 408, 628, 848]) {
        for (const mode of [0, 2] as const) {
          if (mode === 0 && /[^\u4e00-\u9fff，…]/.test(text)) continue; // Chinese mode carries Chinese only
          expect(contentBits(encodeContent(fitBits(text, max, mode), mode), mode)).toBeLessThanOrEqual(max);
        }
      }
    }
  });

  it('counts bits per mode and cuts to a card level without losing the ref', () => {
    expect(payloadBits('立即', 0)).toBe(28);
    expect(payloadBits('A立', 2)).toBe(32); // the A4 marker byte goes on air too
    const fitted = fitBits('[A7K2]' + '请立即组织群众转移'.repeat(10), 110, 2);
    expect(fitted.startsWith('[A7K2]')).toBe(true);
    expect(fitted.endsWith('…')).toBe(true);
    expect(payloadBits(fitted, 2)).toBeLessThanOrEqual(110);
    const asked = fitBits('[A7K2]' + '请立即组织群众转移'.repeat(10) + ' 回复1确认', 408, 2);
    expect(asked).toMatch(/^\[A7K2\]请立即.*… 回复1确认$/);
    expect(payloadBits(asked, 2)).toBeLessThanOrEqual(408);
  });
});
