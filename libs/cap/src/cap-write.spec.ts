import { escapeXml } from './cap-write';

describe('escapeXml', () => {
  it('escapes markup, and turns what XML 1.0 cannot carry into U+FFFD, keeping tab, line ends and Chinese', () => {
    expect(escapeXml('撤离 <now> & "go"')).toBe('撤离 &lt;now&gt; &amp; &quot;go&quot;');
    expect(escapeXml('a\u0000b\u0001c\u001fd\ufffe\uffff')).toBe('a\ufffdb\ufffdc\ufffdd\ufffd\ufffd');
    expect(escapeXml('\t\n\r')).toBe('\t\n\r');
    expect(escapeXml('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz'); // lone surrogates
    expect(escapeXml('\ud83d\udea8')).toBe('\ud83d\udea8'); // a pair is one character, kept
  });
});
