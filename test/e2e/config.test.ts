import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../apps/router/src/config/load-config';
import { tempDir } from '../support/child';

const file = (name: string, text: string) => {
  const f = join(tempDir(), name);
  writeFileSync(f, text);
  return f;
};

/** Config files are overlays on the defaults; a bad one names files, key and expectation, and exits 2. */
describe('config at start-up (built router)', () => {
  const run = (env: Record<string, string>, script = 'dist/apps/router/src/main.js') =>
    spawnSync(process.execPath, [script], { env: { ...process.env, LIFELINE_DB: ':memory:', PORT: '0', ...env }, encoding: 'utf8', timeout: 30_000 });

  it('names the file, the key path and what was expected, and exits 2', () => {
    const bad = file('bad.yaml', 'server: {port: "abc"}\npreference: {default: []}\n');
    const r = run({ LIFELINE_CONFIG: bad });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/server\.port: .*expected number/);
    expect(r.stderr).toMatch(/preference\.default: .*>=1/);
  });

  it('names list items by their id, not their index', () => {
    const bad = file('bad-channel.yaml', 'channels:\n  - {id: pdt, capacity: {ratePerS: -1}}\n');
    const r = run({ LIFELINE_CONFIG: bad });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/channels\.pdt\.capacity\.ratePerS: /);
  });

  it('names people in the directory by id and areas by code, not by their place in the file', () => {
    const demo = parse(readFileSync('config/directory.yaml', 'utf8'));
    const directoryWith = (change: (d: any) => void) => {
      const d = structuredClone(demo);
      change(d);
      return file('config.yaml', `directory: ${file('directory.yaml', stringify(d))}\n`);
    };
    const person = run({ LIFELINE_CONFIG: directoryWith((d) => (d.people.find((p: { id: string }) => p.id === 'p-000145').area = '339999')) });
    expect(person.status).toBe(2);
    expect(person.stderr).toMatch(/people\.p-000145\.area: expected a known area code, got 339999/);
    const area = run({ LIFELINE_CONFIG: directoryWith((d) => (d.areas.find((a: { code: string }) => a.code === '330102001').geometry.type = 'Circle')) });
    expect(area.status).toBe(2);
    expect(area.stderr).toMatch(/areas\.330102001\.geometry/);
  });

  it('refuses an unknown simulator channel the same way', () => {
    const r = run({ LIFELINE_SIMULATORS: 'public,carrier-pigeon' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('carrier-pigeon');
  });

  it('refuses a bus address it cannot use, without printing its password', () => {
    const r = run({ LIFELINE_BUS: 'http://bus-user:s3cret@127.0.0.1:4222' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/LIFELINE_BUS: expected nats:\/\//);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('prints the effective config with npm run config:print', () => {
    const overlay = file('one-key.yaml', 'graceS: 90\n');
    const r = run({ LIFELINE_CONFIG: overlay }, 'dist/scripts/config-print.js');
    expect(r.status).toBe(0);
    const printed = parse(r.stdout);
    expect(printed.graceS).toBe(90);
    expect(printed.channels.map((c: { id: string }) => c.id)).toEqual(['public', 'drone', 'pdt', 'tiantong', 'beidou']);
  });
});

describe('config overlays (merged onto the defaults)', () => {
  const defaults = loadConfig('config/default.yaml');

  it('overrides one key and keeps every other default', () => {
    const c = loadConfig(file('directory.yaml', 'directory: data/other-directory.json\n'));
    expect(c.directory).toBe('data/other-directory.json');
    expect({ ...c, directory: defaults.directory }).toEqual(defaults);
  });

  it('merges objects deeply and channels by id: change one, add one, remove one', () => {
    const overlay = file(
      'channels.yaml',
      [
        'server: {port: 4000}',
        'channels:',
        '  - {id: pdt, capacity: {ratePerS: 5}}',
        '  - {id: drone, remove: true}',
        '  - {id: fax, kind: public, text: {kind: sms, maxSegments: 2}, capacity: {ratePerS: 1}}',
        'preference: {default: [public, pdt, tiantong, beidou, fax]}',
        'relays: {resources: [{id: wing-loong-1, remove: true}]}',
      ].join('\n'),
    );
    const c = loadConfig(overlay);
    expect(c.server).toEqual({ ...defaults.server, port: 4000 });
    expect(c.channels.map((ch) => ch.id)).toEqual(['public', 'pdt', 'tiantong', 'beidou', 'fax']);
    const pdt = c.channels.find((ch) => ch.id === 'pdt')!;
    expect(pdt.capacity.ratePerS).toBe(5);
    expect(pdt.capacity.areaDepth).toBe(defaults.channels.find((ch) => ch.id === 'pdt')!.capacity.areaDepth);
    expect(pdt.text).toEqual(defaults.channels.find((ch) => ch.id === 'pdt')!.text);
  });

  it('applies several files in order, the later winning', () => {
    const a = file('a.yaml', 'graceS: 10\nretry: {baseS: 5}\n');
    const b = file('b.yaml', 'graceS: 20\n');
    const c = loadConfig(['config/default.yaml', a, b]);
    expect(c.graceS).toBe(20);
    expect(c.retry).toEqual({ ...defaults.retry, baseS: 5 });
  });
});
