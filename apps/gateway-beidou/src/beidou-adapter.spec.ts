import { BeidouAdapter, beidouConfig, waitOf } from './beidou-adapter';
import { encodeContent, encodeSentence } from './rdss';

describe("a terminal's wait between sends", () => {
  it('is taken within reason: garbage counts as none, a negative as none, years as an hour', () => {
    expect(waitOf(45_000)).toBe(45_000);
    expect([waitOf(NaN), waitOf(Infinity), waitOf(-5_000)]).toEqual([0, 0, 0]);
    expect(waitOf(1e15)).toBe(3_600_000);
  });
});

describe('what the Beidou adapter logs of a line it cannot read', () => {
  const CARD = '0451736';
  const TEXT = '张三 A7K2 1 已转移到安置点';
  const adapter = (log: (m: string) => void) =>
    new BeidouAdapter(beidouConfig.parse({ router: { url: 'ws://127.0.0.1:9/gateway', token: 'x' }, gatewayId: 'bd-log', areas: ['330100'], window: 1, serial: { path: '/dev/null' } }), log);
  const receive = (a: BeidouAdapter, line: string) => (a as unknown as { receive(l: string): void }).receive(line);

  it.each([
    ['a received message with a bad checksum', encodeSentence('BD', 'TXR', [1, CARD, 2, '1200', encodeContent(TEXT, 2)]).replace(/\*..\r\n$/, '*00'), /checksum 00 should be .. in a \$BDTXR sentence/],
    ['a received message whose content is neither hex nor GB2312', encodeSentence('BD', 'TXR', [1, CARD, 2, '1200', `A4${TEXT}`]), /\$BDTXR ignored: content field is neither hex nor GB2312/],
    ['a line that is no sentence', `$BDTXR,1,${CARD},2,1200,${TEXT}`, /not an RDSS sentence \(\$BDTXR, \d+ characters\)/],
    ['noise with a number in it', `${CARD} ${TEXT}`, /not an RDSS sentence \(no \$ and sentence type/],
  ])('%s: the sentence type and what failed, never the card number or the text', (_what, line, expected) => {
    const logged: string[] = [];
    receive(adapter((m) => logged.push(m)), line);
    expect(logged).toEqual([expect.stringMatching(expected)]);
    for (const secret of [CARD, 'A7K2', '张三', encodeContent(TEXT, 2).slice(2, 12)]) expect(logged.join('\n')).not.toContain(secret);
  });
});
