import { LineSplitter, PromptWatch } from './serial-line';

describe('PromptWatch', () => {
  it('finds the prompt however the reads cut it, once', () => {
    for (const reads of [['\r\n> '], ['\r\n>', ' '], ['\r', '\n', '>', ' '], ['+CMGS ready\r\n> ']]) {
      const watch = new PromptWatch('> ');
      const found = reads.map((r) => watch.feed(r));
      expect(found.filter(Boolean)).toHaveLength(1);
      expect(found[found.length - 1]).toBe(true);
    }
  });

  it('takes no line that merely contains it for the prompt', () => {
    const watch = new PromptWatch('> ');
    expect(watch.feed('\r\n+CSQ: 18,99\r\n')).toBe(false);
    expect(watch.feed('> 0011')).toBe(false);
    expect(watch.feed('\r\nOK\r\n')).toBe(false);
    expect(watch.feed('a >')).toBe(false);
  });
});

describe('LineSplitter', () => {
  const split = (max = 16) => {
    const lines: string[] = [];
    const dropped: number[] = [];
    return { s: new LineSplitter(max, (l) => lines.push(l), (n) => dropped.push(n)), lines, dropped };
  };

  it('cuts at CR LF however the reads split it, and at a lone CR or LF', () => {
    const { s, lines } = split();
    for (const chunk of ['+CSQ: 1', '8,99\r', '\nOK\r\n$BDFKI,TXA', ',Y\n', 'RDY\r']) s.feed(chunk);
    expect(lines.filter((l) => l.length)).toEqual(['+CSQ: 18,99', 'OK', '$BDFKI,TXA,Y', 'RDY']);
  });

  it('drops a line that never ends past its limit, once, and reads the next line whole', () => {
    const { s, lines, dropped } = split(16);
    for (let i = 0; i < 1_000; i++) s.feed('\u00ff\u00fe noise without an end ');
    s.feed('still noise\r\nOK\r\n');
    expect(dropped).toEqual([16]);
    expect(lines.filter((l) => l.length)).toEqual(['OK']);
  });
});
