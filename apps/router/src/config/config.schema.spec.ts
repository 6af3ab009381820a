import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { configSchema } from './config.schema';

const defaults = () => parse(readFileSync('config/default.yaml', 'utf8'));

describe('the config schema', () => {
  it('takes the default config', () => {
    expect(configSchema.safeParse(defaults()).success).toBe(true);
  });

  it('refuses a channel whose text limit is not its kind\'s (the catalog), naming the field', () => {
    const c = defaults();
    const beidou = c.channels.find((x: { kind: string }) => x.kind === 'beidou');
    beidou.text = { kind: 'sms', maxSegments: 1 };
    const r = configSchema.safeParse(c);
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.').endsWith('text.kind'))!;
    expect(issue.message).toBe("a beidou channel's texts are limited by bits, not sms");
  });

  it('refuses an older Beidou bitsPerChar, saying what replaced it', () => {
    const c = defaults();
    const beidou = c.channels.find((x: { kind: string }) => x.kind === 'beidou');
    beidou.text = { kind: 'bits', maxBits: 628, bitsPerChar: 14 };
    const r = configSchema.safeParse(c);
    expect(r.success).toBe(false);
    expect(r.error!.issues.find((i) => i.path.join('.').endsWith('bitsPerChar'))!.message).toMatch(/^replaced by mode: mixed/);
  });
});
