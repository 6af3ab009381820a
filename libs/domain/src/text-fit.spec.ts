import { ACK_HINT, beidouBits, fitText, gb2312Bytes, measureText, smsSegments } from './text-fit';

const order = (body: string, over: Partial<{ summary: string; ackRequired: boolean }> = {}) => ({ ref: 'A7K2', body, ackRequired: true, ...over });
const ucs2 = (n: number) => '撤'.repeat(n);

describe('fitText', () => {
  it('always carries the ref and how to answer', () => {
    const t = fitText({ kind: 'sms', maxSegments: 1 }, false, order('立即撤离'));
    expect(t).toEqual({ text: `[A7K2]立即撤离 ${ACK_HINT}`, segments: 1, truncated: false });
    expect(fitText({ kind: 'sms', maxSegments: 1 }, false, order('x', { ackRequired: false })).text).toBe('[A7K2]x');
  });

  it.each([
    ['fits one UCS-2 segment at 70 characters', 70 - 6 - 6, 1],
    ['needs two concatenated segments at 71', 71 - 6 - 6, 2],
    ['fits two segments at 134 (2 x 67)', 134 - 12, 2],
    ['needs three at 135', 135 - 12, 3],
  ])('SMS %s', (_name, bodyLen, segments) => {
    const t = fitText({ kind: 'sms', maxSegments: 4 }, false, order(ucs2(bodyLen)));
    expect(t.text.length).toBe(bodyLen + 12);
    expect(t.segments).toBe(segments);
    expect(t.truncated).toBe(false);
  });

  it('counts GSM-7 texts in septets: 160 single, 153 per segment, extension characters twice', () => {
    // '[' and ']' are in the extension table: the '[A7K2]' prefix costs 8 septets.
    expect(fitText({ kind: 'sms', maxSegments: 4 }, false, order('a'.repeat(160 - 8), { ackRequired: false })).segments).toBe(1);
    expect(fitText({ kind: 'sms', maxSegments: 4 }, false, order('a'.repeat(161 - 8), { ackRequired: false })).segments).toBe(2);
    expect(fitText({ kind: 'sms', maxSegments: 4 }, false, order('{'.repeat(80), { ackRequired: false })).segments).toBe(2);
  });

  it('shortens to the segment limit with an ellipsis, keeping ref and answer hint', () => {
    const t = fitText({ kind: 'sms', maxSegments: 2 }, false, order(ucs2(500)));
    expect(t.truncated).toBe(true);
    expect(t.text.length).toBe(134);
    expect(t.text.startsWith('[A7K2]')).toBe(true);
    expect(t.text.endsWith(`… ${ACK_HINT}`)).toBe(true);
  });

  it('uses the summary on narrowband channels, the body elsewhere', () => {
    const o = order('很长的正文'.repeat(50), { summary: '立即转移' });
    expect(fitText({ kind: 'chars', maxChars: 140 }, true, o).text).toBe(`[A7K2]立即转移 ${ACK_HINT}`);
    expect(fitText({ kind: 'sms', maxSegments: 4 }, false, o).text).toContain('很长的正文');
  });

  it('fits Beidou by bits as the adapter sends them: a 628-bit card takes 29 Chinese characters and the frame in mixed mode, 35 in Chinese mode', () => {
    // Mixed: the A4 marker byte, then 8 bits a byte; '[A7K2]…' and ' 回复1确认' are 18 bytes.
    const mixed = fitText({ kind: 'bits', maxBits: 628, mode: 'mixed' }, true, order(ucs2(100)));
    expect(mixed.text).toBe(`[A7K2]${ucs2(29)}… ${ACK_HINT}`);
    expect(beidouBits(mixed.text, 'mixed')).toBe(8 + 8 * (18 + 58)); // 616: one more character is 632
    // Chinese: 14 bits a two-byte character, 7 an ASCII one.
    const chinese = fitText({ kind: 'bits', maxBits: 628, mode: 'chinese' }, true, order(ucs2(100)));
    expect(chinese.text).toBe(`[A7K2]${ucs2(35)}… ${ACK_HINT}`);
    expect(beidouBits(chinese.text, 'chinese')).toBe(7 * (18 + 70)); // 616: one more is 630
  });

  it('counts GB2312 bytes as the Beidou adapter encodes them: ASCII one, anything else two (what GB2312 lacks goes as ？)', () => {
    expect(gb2312Bytes('A7 汉…')).toBe(3 + 2 + 2);
    expect(gb2312Bytes('🌀')).toBe(2); // one code point, sent as ？
    expect(beidouBits('', 'mixed')).toBe(8);
  });

  it('plans the SMS parts the adapters send: a GSM-7 extension character or a surrogate pair never split across parts', () => {
    // 152 septets, then '€' (2) does not fit the first part's 153: the router must count 3 parts, not 306 / 153 = 2.
    const gsm = fitText({ kind: 'sms', maxSegments: 2 }, false, order('a'.repeat(152 - 8) + '€' + 'b'.repeat(152), { ackRequired: false }));
    expect(gsm.truncated).toBe(true);
    expect(smsSegments(gsm.text).parts.length).toBeLessThanOrEqual(2);
    // 66 UCS-2 units, then 34 pairs: 134 units (2 x 67), but no pair is cut, so 66 + 66 + 2.
    const pairs = fitText({ kind: 'sms', maxSegments: 4 }, false, order('撤'.repeat(60) + '🌀'.repeat(34), { ackRequired: false }));
    expect(pairs.segments).toBe(3);
    expect(smsSegments(pairs.text).parts.length).toBe(3);
  });

  it('never splits a surrogate pair', () => {
    const t = fitText({ kind: 'chars', maxChars: 20 }, true, order('🌀'.repeat(30), { ackRequired: false }));
    expect(t.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(t.text.length).toBeLessThanOrEqual(20);
  });

  it('keeps at least the ref when nothing else fits', () => {
    expect(fitText({ kind: 'chars', maxChars: 10 }, true, order('撤离')).text).toBe('[A7K2]');
  });
});

describe('smsSegments', () => {
  it('keeps a message that fits whole, in the alphabet it needs', () => {
    expect(smsSegments('Evacuate now [A7K2]')).toEqual({ encoding: 'gsm7', parts: ['Evacuate now [A7K2]'] });
    expect(smsSegments('请立即转移')).toEqual({ encoding: 'ucs2', parts: ['请立即转移'] });
  });

  it('cuts UCS-2 at 67 units and never inside a surrogate pair', () => {
    const text = '汉'.repeat(66) + '𠀀' + '字'.repeat(10);
    const { parts } = smsSegments(text);
    expect(parts.map((p) => p.length)).toEqual([66, 12]);
    expect(parts.join('')).toBe(text);
  });

  it('cuts GSM-7 at 153 septets, counting extension characters as two', () => {
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(20);
    const { encoding, parts } = smsSegments(text);
    expect(encoding).toBe('gsm7');
    expect(parts.map((p) => p.length)).toEqual([152, 21]);
  });
});

describe('measureText', () => {
  it('counts in each channel unit: septets or UCS-2 units and segments, characters, bits', () => {
    expect(measureText({ kind: 'sms', maxSegments: 3 }, 'x'.repeat(161))).toEqual({ unit: 'septets', size: 161, capacity: 459, segments: 2 });
    expect(measureText({ kind: 'sms', maxSegments: 3 }, '转'.repeat(71))).toEqual({ unit: 'ucs2', size: 71, capacity: 201, segments: 2 });
    expect(measureText({ kind: 'chars', maxChars: 140 }, '立即转移')).toEqual({ unit: 'chars', size: 4, capacity: 140, segments: 1 });
    expect(measureText({ kind: 'bits', maxBits: 560, mode: 'chinese' }, '立即转移')).toEqual({ unit: 'bits', size: 56, capacity: 560, segments: 1 });
    expect(measureText({ kind: 'bits', maxBits: 560, mode: 'mixed' }, '立即转移')).toEqual({ unit: 'bits', size: 72, capacity: 560, segments: 1 });
  });
});
