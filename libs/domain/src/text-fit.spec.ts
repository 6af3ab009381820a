import { ACK_HINT, fitText, measureText, smsSegments } from './text-fit';

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

  it('fits Beidou by bits: 628-bit BDS-2 cards take 44 Chinese characters', () => {
    const t = fitText({ kind: 'bits', maxBits: 628, bitsPerChar: 14 }, true, order(ucs2(100)));
    expect([...t.text].length).toBe(44);
    expect(t.text).toMatch(/^\[A7K2\]撤+… 回复1确认$/);
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
    expect(measureText({ kind: 'bits', maxBits: 560, bitsPerChar: 14 }, '立即转移')).toEqual({ unit: 'bits', size: 56, capacity: 560, segments: 1 });
  });
});
