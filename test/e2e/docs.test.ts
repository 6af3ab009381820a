import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import request from 'supertest';
import type { z } from 'zod';
import { ROUTES, routerFrame, routerToConsoleFrame } from '@lifeline/contracts';
import { docFiles } from '../../scripts/docs';
import { Client, testServer, TOKENS, type TestServer } from '../support/server';

/**
 * The API description cannot drift: the committed docs are what the schemas generate, the router
 * serves the same document, its routes are exactly the document's, it is valid OpenAPI 3.1, and
 * every answer of every route and every frame parses against the schema documented for it.
 */
const auth = (t: string) => ({ Authorization: `Bearer ${t}` });

describe('the API description', () => {
  let s: TestServer;
  // The public channel is served by the test's own gateway below, so its frames can be read.
  beforeAll(async () => (s = await testServer({ simulators: 'drone,pdt,tiantong,beidou', tweak: (c) => c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)) })));
  afterAll(async () => s.close());

  it('is committed exactly as the schemas generate it (run npm run docs after changing one)', () => {
    for (const [name, text] of Object.entries(docFiles())) expect(readFileSync(join('docs', name), 'utf8')).toBe(text);
  });

  it('is served at /api/openapi.json without a token, and is valid OpenAPI 3.1', async () => {
    const served = await request(s.app.getHttpServer()).get('/api/openapi.json').expect(200);
    expect(served.body).toEqual(JSON.parse(readFileSync('docs/openapi.json', 'utf8')));
    // The validator is an ES module: it runs in a child process of its own.
    const check = spawnSync(process.execPath, ['--input-type=module', '-e', "import { Validator } from '@seriousme/openapi-schema-validator'; const r = await new Validator().validate('docs/openapi.json'); console.log(JSON.stringify(r));"], { encoding: 'utf8' });
    expect(JSON.parse(check.stdout)).toEqual({ valid: true });
  });

  it('lists exactly the routes the router serves', () => {
    const express = s.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
    const served = express.router.stack
      .filter((l) => l.route && !l.route.path.includes('*')) // Nest's catch-all for 404s
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path.replace(/:(\w+)/g, '{$1}')}`));
    expect(new Set(served)).toEqual(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)));
  });

  it('describes every answer the routes give and every frame both sockets carry', async () => {
    const http = request(s.app.getHttpServer());
    const schemaOf = (method: string, path: string) => ROUTES.find((r) => r.method === method && r.path === path)!.ok.schema!;
    const holds = (schema: z.ZodType, body: unknown, what: string) => {
      const r = schema.safeParse(body);
      if (!r.success) throw new Error(`${what}: ${JSON.stringify(r.error.issues.slice(0, 3))}`);
    };
    const c = await Client.open(s.url, TOKENS.console);
    c.send({ type: 'subscribe', since: 0 });
    const gw = await Client.open(s.url, 'demo-gateway-public', '/gateway');
    gw.ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; attemptId: string };
      if (f.type !== 'send') return;
      gw.send({ type: 'accepted', attemptId: f.attemptId });
      gw.send({ type: 'delivered', attemptId: f.attemptId });
    });
    gw.send({ type: 'hello', gatewayId: 'docs-sms', channel: 'public', areas: ['330100'], window: 100 });
    gw.send({ type: 'health', state: 'sideways', areas: [] }); // earns an error frame
    const order = { priority: 'flash', to: { areas: ['330102001001'] }, body: '紧急转移', ackRequired: true, ackWithinS: 60, ttlS: 600 };
    const a = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'docs', order }).expect(202)).body;
    holds(schemaOf('post', '/api/orders'), a, 'POST /api/orders');
    c.send({ type: 'order.send', clientRef: 'docs-ws', order: { ...order, to: { people: ['p-000001'] } } });
    c.send({ type: 'order.send', clientRef: 'bad', order: { priority: 'urgent' } });
    c.send('not json');
    await s.advance(30_000);
    const person = (await s.lifeline.store.read.deliveries.ofOrder(a.orderId))[0].personId;
    const reply = (await http.post(`/api/sim/people/${person}/reply`).set(auth(TOKENS.drill)).send({ orderId: a.orderId }).expect(202)).body;
    holds(schemaOf('post', '/api/sim/people/{id}/reply'), reply, 'sim reply');
    const outage = (await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'network', area: '330102001' }).expect(201)).body;
    holds(schemaOf('post', '/api/drills/outages'), outage, 'POST outage');
    await s.advance(10 * 60_000); // a relay is requested and dispatched for the cut town
    const gets: [string, string][] = [
      ['/health', TOKENS.console], ['/api/orders', TOKENS.console], [`/api/orders/${a.orderId}`, TOKENS.console], ['/api/events?since=0&limit=10000', TOKENS.console],
      ['/api/channels', TOKENS.console], ['/api/directory', TOKENS.console], ['/api/directory', TOKENS.drill], ['/api/tokens', TOKENS.admin], ['/api/audit', TOKENS.admin],
      ['/api/drills/outages', TOKENS.drill], ['/api/drills/relays', TOKENS.drill],
    ];
    for (const [path, token] of gets) holds(schemaOf('get', path.split('?')[0].replace(a.orderId, '{id}')), (await http.get(path).set(auth(token)).expect(200)).body, `GET ${path}`);
    const made = (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: 'docs' }).expect(201)).body;
    holds(schemaOf('post', '/api/tokens'), made, 'POST /api/tokens');
    holds(schemaOf('delete', '/api/drills/outages/{id}'), (await http.delete(`/api/drills/outages/${outage.outageId}`).set(auth(TOKENS.drill)).expect(200)).body, 'DELETE outage');
    holds(schemaOf('post', '/api/orders/{id}/cancel'), (await http.post(`/api/orders/${a.orderId}/cancel`).set(auth(TOKENS.console)).expect(202)).body, 'cancel');
    c.send({ type: 'order.cancel', orderId: a.orderId });
    await c.next((f) => f.type === 'order.cancelled');
    const relays = (await http.get('/api/events?since=0&limit=10000').set(auth(TOKENS.console)).expect(200)).body as { type: string }[];
    expect(relays.some((e) => e.type.startsWith('relay.'))).toBe(true); // the relay frames were really tried
    const types = new Set(c.frames.map((f) => f.type));
    expect(types).toEqual(new Set(['order.accepted', 'receipt', 'channel', 'relay.request', 'relay.dispatched', 'order.rejected', 'error', 'order.cancelled']));
    for (const f of c.frames) holds(routerToConsoleFrame, f, `console frame ${f.type}`);
    expect(new Set(gw.frames.map((f) => f.type))).toEqual(new Set(['send', 'error']));
    for (const f of gw.frames) holds(routerFrame, f, `gateway frame ${f.type}`);
    await c.close();
    await gw.close();
  });
});

/**
 * The README and the docs stand on their own: every route has a curl example in the README's
 * "An example for every route", and every link points at a file of this repository.
 */
describe('the README and docs', () => {
  it('give a curl example for every route the router serves', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf('### An example for every route');
    expect(start).toBeGreaterThan(-1);
    const open = readme.indexOf('```bash\n', start);
    const block = readme.slice(open, readme.indexOf('\n```\n', open + 1));
    const examples = block.split('\n').flatMap((line) => {
      const method = (/-X\s*(\w+)/.exec(line)?.[1] ?? 'get').toLowerCase();
      return [...line.matchAll(/localhost:3000(\/[^\s'"?]*)/g)].map((m) => `${method} ${m[1]}`);
    });
    const shown = (r: { method: string; path: string }) => {
      const pattern = new RegExp(`^${r.method} ${r.path.replace(/\{\w+\}/g, '[^/]+')}$`);
      return examples.some((e) => pattern.test(e));
    };
    expect(ROUTES.filter((r) => !shown(r)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('link only to files inside the repository, never up out of it', () => {
    const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...readdirSync('config').filter((f) => f.endsWith('.yaml')).map((f) => `config/${f}`)];
    const broken: string[] = [];
    const check = (file: string, target: string, from: string) => {
      const path = decodeURIComponent(target.split('#')[0]);
      if (!path) return; // a heading in the same file
      const at = resolve(from, path);
      if (path.includes('../') || relative(process.cwd(), at).startsWith('..') || !existsSync(at)) broken.push(`${file}: ${target}`);
    };
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith('.md')) {
        // [text](target) and <target>, relative ones: from the file's own folder.
        for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<([^>\s]+\.[a-z]+)>/g)) {
          const target = m[1] ?? m[2];
          if (!/^[a-z][a-z+.-]*:/i.test(target) && !target.startsWith('#')) check(file, target, dirname(file));
        }
      } else {
        // A config names files in its comments and values by their path from the repository's root.
        for (const m of text.matchAll(/(?:^|[\s"'(])((?:\.\.\/|[\w-]+\/)[\w./-]*\.(?:md|ya?ml|json))\b/gm)) check(file, m[1], '.');
      }
    }
    expect(broken).toEqual([]);
  });
});
