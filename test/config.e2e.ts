import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/child';

/** Start-up refusals: a bad config names file, key and expectation, and exits 2. */
describe('config at start-up (built router)', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['dist/apps/router/src/main.js'], { env: { ...process.env, LIFELINE_DB: ':memory:', PORT: '0', ...env }, encoding: 'utf8', timeout: 30_000 });

  it('names the file, the key path and what was expected, and exits 2', () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'server: {port: "abc"}\npreference: {default: [public]}\nchannels: []\n');
    const r = run({ LIFELINE_CONFIG: file });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/server\.port: .*expected number/);
    expect(r.stderr).toMatch(/channels: .*>=1/);
  });

  it('refuses an unknown simulator channel the same way', () => {
    const r = run({ LIFELINE_SIMULATORS: 'public,carrier-pigeon' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('carrier-pigeon');
  });
});
