import fc from 'fast-check';
import * as iconv from 'iconv-lite';
import { measureText, type TextLimit } from '@lifeline/domain';
import { ALPHABETS, channelsOfKind, orderTexts, plansAtEveryLimit, textBudgetSeed } from '../../../test/support/text-budget';
import { bds3, rdss2, type Dialect } from './dialects';
import { beidouMode, contentBits, decodeContent, encodeContent, encodeSentence, fitBits, gb2312, LEVEL_BITS, parseSentence, payloadBits, SentenceError, waitMs } from './rdss';

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

  it('sends what GB2312 lacks (emoji, GBK-only 喆, €) as ？, two bytes, as the router counts it', () => {
    expect(gb2312('A喆🌀€汉').toString('hex')).toBe('41' + 'a3bf'.repeat(3) + 'baba');
    expect(decodeContent(encodeContent('[A7K2]喆🌀', 2), 2)).toBe('[A7K2]？？');
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

/**
 * One text budget: the router fits an order's text to the Beidou channel's `bits` limit (the one
 * config/default.yaml sets, and each BDS-2 card level in both content modes); the adapter's real
 * encoder must then count the same bits on air (marker byte included), find it fits its card
 * (no second cut), and write a sentence that reads back as the text.
 */
describe('one text budget: the Beidou terminal sends what the router planned', () => {
  type Bits = Extract<TextLimit, { kind: 'bits' }>;
  /** Each limit with the adapter settings it stands for: rdss2 in its content mode, bds3 (counted as Chinese). */
  const sends: { limit: Bits; mode: 0 | 2; dialect: Dialect; field: number }[] = [];
  for (const channel of channelsOfKind('beidou')) {
    if (channel.text.kind !== 'bits') throw new Error(`${channel.id}: a Beidou channel is limited in bits`);
    const configured = channel.text;
    const cards = Object.values(LEVEL_BITS).flatMap((maxBits) => (['mixed', 'chinese'] as const).map((mode): Bits => ({ kind: 'bits', maxBits, mode })));
    for (const limit of [configured, ...cards]) {
      const mode = limit.mode === 'mixed' ? 2 : 0;
      sends.push({ limit, mode, dialect: rdss2(mode), field: 3 });
      if (mode === 0) sends.push({ limit, mode, dialect: bds3(3, 2, true), field: 4 });
    }
  }

  it('needs no more bits than planned, cuts nothing again, and reads back whole, for any text at every card size', () => {
    const seed = textBudgetSeed('beidou');
    fc.assert(
      fc.property(orderTexts(), (order) => {
        for (const { limit, mode, dialect, field } of sends) {
          expect(beidouMode(mode)).toBe(limit.mode);
          for (const plan of plansAtEveryLimit(limit, true, order)) {
            const content = encodeContent(plan.text, mode);
            const planned = measureText(limit, plan.text).size;
            expect({ text: plan.text, bits: contentBits(content, mode) }).toEqual({ text: plan.text, bits: planned });
            expect(planned).toBeLessThanOrEqual(limit.maxBits);
            expect(fitBits(plan.text, limit.maxBits, mode)).toBe(plan.text); // no second cut
            const sentence = parseSentence(dialect.send('0242286', plan.text, false));
            const read = [...decodeContent(sentence.fields[field], mode)];
            const sent = [...plan.text];
            expect(read.length).toBe(sent.length);
            // Each character reads back as itself, or as ？ where GB2312 lacks it (never a Chinese one).
            sent.forEach((ch, i) => {
              if (read[i] !== ch) expect({ ch, read: read[i], chinese: (ALPHABETS.chinese as readonly string[]).includes(ch) }).toEqual({ ch, read: '？', chinese: false });
            });
          }
        }
      }),
      { seed, numRuns: 25 },
    );
  });
});
