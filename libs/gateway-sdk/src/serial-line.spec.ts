import { PromptWatch } from './serial-line';

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
