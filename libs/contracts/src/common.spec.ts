import { z } from 'zod';
import { notJson, readJsonFrame } from './common';

describe('readJsonFrame', () => {
  it('says where a text is not JSON without quoting it: its messages are logged, and it may be an order\'s text or a number', () => {
    for (const text of ['撤离 13900001234 立即转移', '{"type":"send","text":"撤离 13900001234', 'x'.repeat(500)]) {
      const r = readJsonFrame(z.object({ type: z.string() }), text);
      expect(r.ok).toBe(false);
      const message = (r as { message: string }).message;
      expect(message).toMatch(/^expected JSON/);
      expect(message).not.toContain('1390000');
      expect(message).not.toContain('撤离');
      expect(message).not.toContain('xxx');
    }
  });

  it('names the character where reading stopped, when the parser says', () => {
    let e: unknown;
    try {
      JSON.parse('{"a": nope}');
    } catch (x) {
      e = x;
    }
    expect(notJson(e)).toMatch(/^expected JSON( \(unreadable at character \d+\))?$/);
    expect(notJson('not an error')).toBe('expected JSON');
  });
});
