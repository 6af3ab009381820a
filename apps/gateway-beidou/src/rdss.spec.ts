import { decodeContent, encodeContent, encodeSentence, fitBits, parseSentence, payloadBits, SentenceError, waitMs } from './rdss';

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

  it('counts bits per mode and cuts to a card level without losing the ref', () => {
    expect(payloadBits('立即', 0)).toBe(28);
    expect(payloadBits('A立', 2)).toBe(24);
    const fitted = fitBits('[A7K2]' + '请立即组织群众转移'.repeat(10), 110, 2);
    expect(fitted.startsWith('[A7K2]')).toBe(true);
    expect(fitted.endsWith('…')).toBe(true);
    expect(payloadBits(fitted, 2)).toBeLessThanOrEqual(110);
    const asked = fitBits('[A7K2]' + '请立即组织群众转移'.repeat(10) + ' 回复1确认', 408, 2);
    expect(asked).toMatch(/^\[A7K2\]请立即.*… 回复1确认$/);
    expect(payloadBits(asked, 2)).toBeLessThanOrEqual(408);
  });
});
