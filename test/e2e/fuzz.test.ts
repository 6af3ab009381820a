import { readFileSync, writeFileSync } from 'node:fs';
import { sqliteOf } from '../support/test-store';
import { join } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { parse as parseYaml, stringify } from 'yaml';
import { consoleFrame, createOrderBody, createTokenBody, gatewayFrame, outageBody, previewOrderBody, resendOrderBody, simReplyBody } from '@lifeline/contracts';
import { ConfigError, loadConfig, loadDirectory } from '../../apps/router/src/config/load-config';
import { tempDir } from '../support/child';
import { digest } from '../support/digest';
import { Client, TOKENS, testServer, type TestServer } from '../support/server';

/**
 * Bad input anywhere gets a clear error and changes nothing: fast-check frames and bodies plus a
 * list of nasty cases, each checked against a digest of the whole database taken before.
 * Targets name nobody in the directory, so even a well-formed order is refused and stores nothing.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const NOBODY = 'p-999999';
const validOrder = { priority: 'flash', to: { people: [NOBODY] }, body: '请立即转移', ackRequired: true, ackWithinS: 60, ttlS: 600 };
const INJECTIONS = ["'; DROP TABLE orders; --", '" OR 1=1 --', '<script>alert(1)</script>', '${process.exit()}', '../../etc/passwd', '\u0000', '\ud800', '🙂'.repeat(300), 'a'.repeat(70_000)];

/** Sets `path` (dot separated) in a copy of `base` to `value`: a valid message, broken in one place. */
function mutate(base: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
  return copy;
}

const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom<unknown>(...INJECTIONS, null, -1, 1e308, [], {}, [[[[[]]]]], { __proto__: { admin: true } }));
const broken = (base: unknown, paths: string[]) => fc.tuple(fc.constantFrom(...paths), anyValue).map(([p, v]) => mutate(base, p, v));
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

const consoleFrames = fc.oneof(
  fc.jsonValue(),
  broken({ type: 'order.send', clientRef: 'fz', order: validOrder }, ['type', 'clientRef', 'order', 'order.priority', 'order.to', 'order.to.people', 'order.to.areas', 'order.to.polygons', 'order.to.circles', 'order.body', 'order.ttlS', 'order.ackWithinS', 'order.extra', 'extra']),
  broken({ type: 'order.cancel', orderId: 'o-nope' }, ['orderId', 'extra']),
  broken({ type: 'subscribe', since: 0 }, ['since', 'extra']),
);
const gatewayFrames = fc.oneof(
  fc.jsonValue(),
  broken({ type: 'failed', attemptId: 'a#1', permanent: false, reason: 'x' }, ['type', 'attemptId', 'permanent', 'reason', 'extra']),
  broken({ type: 'health', state: 'down', areas: ['330102'] }, ['state', 'areas', 'detail', 'extra']),
  broken({ type: 'coverage', areas: ['330102'], until: '2026-01-01T00:00:00Z' }, ['areas', 'until', 'extra']),
  broken({ type: 'hello', gatewayId: 'fz', channel: 'pdt', areas: ['330100'], window: 4 }, ['gatewayId', 'channel', 'areas', 'window']),
);

describe('bad input changes nothing (fuzz)', () => {
  let s: TestServer;
  let before: string;

  beforeAll(async () => {
    s = await testServer();
    await s.advance(0);
    before = digest(sqliteOf(s.lifeline.store));
  });
  afterAll(() => s.close());
  afterEach(async () => {
    await s.advance(0);
    expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
    expect((await fetch(`${s.url}/health`)).status).toBe(200); // still up
  });

  it('console frames: every malformed frame gets an error naming what was wrong', async () => {
    const c = await Client.open(s.url, TOKENS.admin);
    await fc.assert(
      fc.asyncProperty(consoleFrames, async (frame) => {
        const ok = consoleFrame.safeParse(frame).success;
        fc.pre(!ok || (frame as { type: string }).type === 'order.send');
        const answer = c.nextNew((f) => f.type === 'error' || f.type === 'order.rejected');
        c.send(JSON.stringify(frame));
        const f = (await answer) as { error: { code: string; message: string; issues?: { path: string }[] } };
        expect(f.error.message.length).toBeGreaterThan(0);
        if (!ok) expect(f.error.issues?.length ?? (f.error.code === 'bad_frame' ? 1 : 0)).toBeGreaterThan(0);
        expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
      }),
      { numRuns: RUNS },
    );
    expect(c.closed).toBeNull();
    await c.close();
  });

  it('console frames: the nasty list', async () => {
    const c = await Client.open(s.url, TOKENS.admin);
    const expectError = async (raw: string | Buffer, binary = false) => {
      const answer = c.nextNew((f) => f.type === 'error' || f.type === 'order.rejected');
      c.ws.send(raw, { binary });
      return (await answer) as { error: { code: string; message: string } };
    };
    expect((await expectError('{not json')).error.code).toBe('bad_frame');
    expect((await expectError(deep(100_000))).error.code).toBe('bad_frame');
    expect((await expectError(Buffer.from([1, 2, 3]), true)).error.message).toMatch(/JSON text/);
    expect((await expectError('{"__proto__":{"type":"order.send"}}')).error.code).toBe('bad_frame');
    for (const bad of INJECTIONS) {
      const r = await expectError(JSON.stringify({ type: 'order.send', clientRef: 'inj', order: { ...validOrder, to: { people: [bad], areas: [bad] } } }));
      expect(r.error.message.length).toBeGreaterThan(0);
    }
    expect((await expectError(JSON.stringify({ type: 'order.send', clientRef: 'nobody', order: validOrder }))).error.code).toBe('unknown_person');
    expect((await expectError(JSON.stringify({ type: 'order.cancel', orderId: 'o-nope' }))).error.code).toBe('not_found');
    await c.close();

    // Frames the transport refuses close the connection with the standard code; the router stays up.
    const closes = async (raw: Buffer) => {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${TOKENS.admin}` } });
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ws.on('error', () => {});
      ws.send(raw, { binary: false });
      return closed;
    };
    expect(await closes(Buffer.alloc(2 * 1024 * 1024, 0x20))).toBe(1009); // too big
    expect(await closes(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe(1007); // invalid UTF-8
  });

  it('HTTP bodies: refused with 4xx and the field named, never 5xx', async () => {
    const targets: { path: string; schema: { safeParse: (v: unknown) => { success: boolean } }; arb: fc.Arbitrary<unknown> }[] = [
      { path: '/api/orders', schema: createOrderBody, arb: fc.oneof(fc.jsonValue(), broken({ clientRef: 'h', order: validOrder }, ['clientRef', 'order', 'order.to', 'order.to.polygons', 'order.to.circles', 'order.priority', 'order.body', 'order.ttlS', 'x'])) },
      { path: '/api/drills/outages', schema: outageBody, arb: fc.oneof(fc.jsonValue(), broken({ kind: 'gateway', channel: 'nope', mode: 'down' }, ['kind', 'channel', 'mode', 'area', 'loss', 'durationS', 'x'])) },
      { path: '/api/tokens', schema: createTokenBody, arb: fc.oneof(fc.jsonValue(), broken({ role: 'console', name: 'x', areas: ['nowhere'] }, ['role', 'name', 'areas', 'channel'])) },
      // Of no order: well-formed, it is 404; hostile, 400 naming the field; nothing written either way.
      { path: '/api/orders/o-nope/resend', schema: resendOrderBody, arb: fc.oneof(fc.jsonValue(), broken({ clientRef: 'r', people: 'notAnswered', ttlS: 600 }, ['clientRef', 'people', 'priority', 'body', 'summary', 'ackRequired', 'ackWithinS', 'ttlS', 'x'])) },
      { path: `/api/sim/people/${NOBODY}/reply`, schema: simReplyBody, arb: broken({ orderId: 'o-nope' }, ['orderId', 'text', 'x']) },
      // A preview writes nothing even when it is well-formed: the digest must not move either way.
      { path: '/api/orders/preview', schema: previewOrderBody, arb: fc.oneof(fc.jsonValue(), broken({ order: { ...validOrder, to: { areas: ['330102'] } } }, ['order', 'order.to', 'order.to.areas', 'order.to.roles', 'order.to.polygons', 'order.to.circles', 'order.priority', 'order.body', 'order.summary', 'x'])) },
    ];
    for (const t of targets) {
      await fc.assert(
        fc.asyncProperty(t.arb, async (body) => {
          const r = await fetch(s.url + t.path, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const json = (await r.json()) as { error?: { code: string; message: string; issues?: { path: string }[] } };
          if (r.status < 300 && t.path.endsWith('/preview')) {
            expect(t.schema.safeParse(body).success).toBe(true);
            expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
            return;
          }
          if (r.status < 300) {
            // Well-formed and meaningful (a token with a new name): accepted, and the new baseline.
            expect(t.schema.safeParse(body).success).toBe(true);
            before = digest(sqliteOf(s.lifeline.store));
            return;
          }
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(json.error?.message).toBeTruthy();
          if (!t.schema.safeParse(body).success && json.error?.code === 'invalid') expect(json.error.issues?.[0]?.path).toBeTruthy();
          expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
        }),
        { numRuns: Math.ceil(RUNS / 3) },
      );
    }
    const raw = async (body: string | Uint8Array, type = 'application/json') =>
      (await fetch(`${s.url}/api/orders`, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': type }, body })).status;
    expect(await raw('{not json')).toBe(400);
    expect(await raw(deep(50_000))).toBe(400);
    expect(await raw(`{"clientRef":"big","order":{"body":"${'x'.repeat(3 * 1024 * 1024)}"}}`)).toBe(413);
    expect(await raw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toBe(400);
    expect(await raw('clientRef=x', 'application/x-www-form-urlencoded')).toBe(400);
  });

  it('HTTP queries of the console routes: anything in the query string is 2xx or 4xx naming the field, never 5xx', async () => {
    const order = await fetch(`${s.url}/api/orders`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRef: 'fz-query', order: { ...validOrder, to: { areas: ['330102001001'] } } }),
    });
    const { orderId } = (await order.json()) as { orderId: string };
    before = digest(sqliteOf(s.lifeline.store));
    const key = fc.constantFrom('status', 'channel', 'area', 'q', 'limit', 'after', 'status[]', 'q[a]', '__proto__', 'x');
    const value = fc.oneof(fc.string(), fc.constantFrom(...INJECTIONS.slice(0, 8), 'sent,queued', ',,,', 'sent,'.repeat(30), '%', '_', '\\', '-1', '1e9', '330102'));
    const query = fc.array(fc.tuple(key, value), { maxLength: 5 }).map((kv) => new URLSearchParams(kv).toString());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(`/api/orders/${orderId}`, `/api/orders/${orderId}/csv`, '/api/directory', '/api/directory/roles', '/api/orders/o-nope/areas'), query, async (path, q) => {
        const r = await fetch(`${s.url}${path}?${q}`, { headers: { Authorization: `Bearer ${TOKENS.admin}` } });
        const text = await r.text();
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) expect((JSON.parse(text) as { error: { message: string } }).error.message).toBeTruthy();
        expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('CAP XML: mangled and hostile documents get 4xx naming what is wrong, never 5xx', async () => {
    // Valid CAP over the open sea, so even an intact document reaches nobody and stores nothing.
    const NS = 'urn:oasis:names:tc:emergency:cap:1.2';
    const valid = `<?xml version="1.0" encoding="UTF-8"?><alert xmlns="${NS}"><identifier>fz-1</identifier><sender>fz@x</sender><sent>2026-07-01T16:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><category>Met</category><event>风暴潮</event><urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty><area><areaDesc>海上</areaDesc><polygon>30,123 30,123.1 30.1,123.1 30,123</polygon><circle>30,123 5</circle></area></info></alert>`;
    const post = async (body: string | Uint8Array, route = '/api/cap') => {
      const r = await fetch(`${s.url}${route}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/cap+xml' }, body });
      const json = (await r.json()) as { error?: { code: string; message: string } };
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(json.error?.message).toBeTruthy();
      expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
      return json.error!;
    };
    expect((await post(valid)).code).toBe('no_recipients');
    const cut = fc.tuple(fc.nat(valid.length), fc.nat(valid.length)).map(([a, b]) => valid.slice(0, Math.min(a, b)) + valid.slice(Math.max(a, b)));
    const insert = fc.tuple(fc.nat(valid.length), fc.oneof(fc.string(), fc.constantFrom('<', '>', '&', ']]>', '<!--', '&amp;', '&#0;', '&#xD800;', '<x/>', '</info>', '<info>', '\u0000', ...INJECTIONS)))
      .map(([at, text]) => valid.slice(0, at) + text + valid.slice(at));
    await fc.assert(fc.asyncProperty(fc.oneof(cut, insert, fc.string(), fc.string({ unit: 'grapheme' })), async (doc) => void (await post(doc))), { numRuns: Math.ceil(RUNS / 3) });
    const hostile: [string, RegExp][] = [
      [`<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>${valid.replace(/^<\?xml[^>]*>/, '').replace('fz-1', '&x;')}`, /document type declaration/],
      [`<!DOCTYPE a [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><a>&c;</a>`, /document type declaration/],
      [`<!DOCTYPE alert SYSTEM "http://127.0.0.1:1/cap.dtd">${valid.replace(/^<\?xml[^>]*>/, '')}`, /document type declaration/],
      ['<a>'.repeat(10_000) + '</a>'.repeat(10_000), /nested deeper than 32/],
      [valid.replace(NS, 'urn:oasis:names:tc:emergency:cap:1.1'), /expected <alert> in namespace/],
      [valid.replace(` xmlns="${NS}"`, ''), /in no namespace/],
      [valid.replace('<alert ', `<alert big="${'x'.repeat(200_000)}" `), /longer than 100000 characters/],
      [valid.replace('<note>', '').replace('</scope>', `</scope><note>${'&lt;'.repeat(120_000)}</note>`), /longer than 100000 characters/],
      [valid.replace('<identifier>fz-1', '<identifier>fz 1'), /alert\.identifier/],
      [valid.replace('30,123 30,123.1', '30,123 95,123.1'), /alert\.info\.0\.area\.0\.polygon\.0/],
      [valid.replace('<status>Actual', '<status> Actual '), /alert\.status: expected one of/],
      [valid.replace('<alert ', '<alert xml:lang="zh" '), /unexpected attribute xml:lang/],
      [valid.replace('</alert>', '<Signature xmlns="">x</Signature></alert>'), /unexpected element <Signature> in no namespace/],
      [valid.replace('<category>', '<language>zh_CN</language><category>'), /alert\.info\.0\.language/],
      [`${valid}<alert/>`, /./],
      ['', /root element/],
    ];
    for (const [doc, message] of hostile) expect((await post(doc)).message).toMatch(message);
    // GB/T 35965.1 warnings come through the same reader.
    for (const [doc, message] of hostile.slice(0, 4)) expect((await post(doc, '/api/gbt35965')).message).toMatch(message);
    await fc.assert(fc.asyncProperty(fc.oneof(cut, insert), async (doc) => void (await post(doc, '/api/gbt35965'))), { numRuns: Math.ceil(RUNS / 6) });
    expect((await post(new Uint8Array([0x3c, 0x61, 0xff, 0xfe, 0x3e]))).code).toBeTruthy();
  });

  it('gateway frames: every malformed frame gets an error frame, before and after hello', async () => {
    const g = await Client.open(s.url, TOKENS.pdt, '/gateway');
    const property = fc.asyncProperty(gatewayFrames, async (frame) => {
      fc.pre(!gatewayFrame.safeParse(frame).success);
      const answer = g.nextNew((f) => f.type === 'error');
      g.send(JSON.stringify(frame));
      expect(((await answer) as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
      expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
    });
    await fc.assert(property, { numRuns: Math.ceil(RUNS / 2) });
    // After a hello with no areas (so no channel changes), the same holds.
    g.send({ type: 'hello', gatewayId: 'fuzz-pdt', channel: 'pdt', areas: [], window: 1 });
    await fc.assert(property, { numRuns: Math.ceil(RUNS / 2) });
    await g.close();
  });

  it('config files: a clear ConfigError naming the key, nothing else', () => {
    const base = loadConfig('config/default.yaml');
    const dir = tempDir();
    const file = join(dir, 'fuzz.yaml');
    const paths = ['server.port', 'database', 'graceS', 'retry', 'retry.baseS', 'preference.default', 'channels', 'channels.0.kind', 'channels.0.capacity.ratePerS', 'channels.1.simulator.window', 'channels.2.presumeDeliveredS', 'relays.resources.0.by', 'relays.resources.0.channel', 'simulation', 'simulation.people', 'cap.priority', 'cap.geocodes.map', 'cap.gbt35965.senderCode', 'extra'];
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), broken(base, paths), fc.string()), (doc) => {
        writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
        try {
          loadConfig(file);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as Error).message).toContain(file);
        }
      }),
      { numRuns: RUNS },
    );
    // The directory file: shapes and places are hostile like the rest (unclosed, crossing, out of range).
    const directory = smallDirectory(parseYaml(readFileSync('config/directory.yaml', 'utf8')) as DirectoryDoc);
    const dirFile = join(dir, 'directory.yaml');
    writeFileSync(dirFile, stringify(directory));
    expect(loadDirectory(dirFile).people).toHaveLength(5); // whole, it is a directory: what breaks it below is the fuzzing
    fc.assert(
      fc.property(broken(directory, ['areas.1.geometry', 'areas.1.geometry.coordinates', 'areas.1.geometry.coordinates.0', 'areas.1.geometry.coordinates.0.0', 'areas.1.geometry.type', 'people.0.location', 'people.0.location.1']), (doc) => {
        writeFileSync(dirFile, stringify(doc));
        try {
          loadDirectory(dirFile);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as Error).message).toContain(dirFile);
        }
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    for (const text of ['a: [', 'a: &x [*x, *x]', '\u0000\u0001', '{"server": 1}', 'x: !!js/function "() => 1"', `${'- '.repeat(5_000)}1`]) {
      writeFileSync(file, text);
      expect(() => loadConfig(file)).toThrow(ConfigError);
    }
  });
});

type DirectoryDoc = { areas: { code: string; parent: string | null }[]; people: { area: string }[] } & Record<string, unknown>;

/**
 * The demo directory cut to five people and the areas above them (the demo's borders have
 * thousands of points: parsed whole a hundred times over, the fuzzing took over a minute).
 */
function smallDirectory(d: DirectoryDoc): DirectoryDoc {
  const byCode = new Map(d.areas.map((a) => [a.code, a]));
  const people = d.people.slice(0, 5);
  const kept = new Set<string>();
  for (let code: string | null | undefined = d.areas[1].code; code; code = byCode.get(code)?.parent) kept.add(code);
  for (const p of people) for (let code: string | null | undefined = p.area; code; code = byCode.get(code)?.parent) kept.add(code);
  return { ...d, areas: d.areas.filter((a) => kept.has(a.code)), people };
}
