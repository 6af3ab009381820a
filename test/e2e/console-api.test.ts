import request from 'supertest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServer, TOKENS, type TestServer } from '../support/server';

/** The API the browser console stands on: who am I, preview, filtered pages, counts by area, CSV, search. */

const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const order = (over: Record<string, unknown> = {}) => ({
  priority: 'flash',
  to: { areas: ['330102'], roles: ['village-head'] },
  body: '台风“梅花”今晚登陆滨江县，请立即组织沿海低洼地带群众向避灾安置点转移。',
  summary: '台风今晚登陆，立即转移沿海群众',
  ackRequired: true,
  ackWithinS: 300,
  ttlS: 3600,
  ...over,
});

/** The CSV's rows as arrays of fields (RFC 4180 quoting), without the byte-order mark. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  return rows;
}

describe('console API (e2e)', () => {
  let s: TestServer;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>一张图</title><script type="module" src="/app.js"></script>');
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    s = await testServer({ tweak: (c) => (c.server.console = dir) });
    http = request(s.app.getHttpServer());
  });
  afterAll(async () => s.close());

  it('serves the console at / with a CSP that lets it talk to its own origin only, and the API beside it', async () => {
    const r = await http.get('/').expect(200);
    expect(r.text).toContain('一张图');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    await http.get('/app.js').expect(200);
    await http.get('/health').expect(200);
    await http.get('/nothing-here.js').expect(404);
  });

  it('tells a token who it is; a gateway token and no token get nothing', async () => {
    expect((await http.get('/api/me').set(auth(TOKENS.console)).expect(200)).body).toMatchObject({ role: 'console', areas: null });
    expect((await http.get('/api/me').set(auth(TOKENS.county)).expect(200)).body).toMatchObject({ role: 'console', name: '滨江县 desk', areas: [{ code: '330102', name: '滨江县' }] });
    expect((await http.get('/api/me').set(auth(TOKENS.drill)).expect(200)).body.role).toBe('drill');
    await http.get('/api/me').set(auth(TOKENS.pdt)).expect(403);
    await http.get('/api/me').set(auth(TOKENS.metrics)).expect(403); // metrics tokens read /metrics only
    await http.get('/api/me').expect(401);
  });

  it('previews reach and texts without writing, refuses what sending refuses, and agrees with the send', async () => {
    const before = (await s.lifeline.store.read.orders.list('all')).length;
    const p = (await http.post('/api/orders/preview').set(auth(TOKENS.console)).send({ order: order() }).expect(200)).body;
    expect(p.reach.people).toBe(24);
    expect(p.reach.areas.reduce((n: number, a: { people: number }) => n + a.people, 0)).toBe(24);
    expect(p.texts.find((t: { channel: string }) => t.channel === 'pdt')).toMatchObject({ unit: 'chars', text: `[${p.ref}]台风今晚登陆，立即转移沿海群众 回复1确认` });
    expect((await s.lifeline.store.read.orders.list('all')).length).toBe(before);
    const bad = await http.post('/api/orders/preview').set(auth(TOKENS.console)).send({ order: { ...order(), ttlS: -1 } }).expect(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toContain('order.ttlS');
    const out = await http.post('/api/orders/preview').set(auth(TOKENS.county)).send({ order: order({ to: { areas: ['330103'] } }) }).expect(403);
    expect(out.body.error.code).toBe('out_of_scope');
    await http.post('/api/orders/preview').set(auth(TOKENS.drill)).send({ order: order() }).expect(403);
    const none = await http.post('/api/orders/preview').set(auth(TOKENS.console)).send({ order: order({ to: { areas: ['330102001001'], roles: ['city-official'] } }) }).expect(200);
    expect(none.body.reach).toEqual({ people: 0, areas: [] });
    const sent = await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'preview-then-send', order: order() }).expect(202);
    expect(sent.body.deliveries).toBe(p.reach.people);
  });

  it('filters the order view by status, channel, area and name, pages within the filter, and names each person', async () => {
    const sent = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'filters', order: order({ to: { areas: ['330102'] } }) }).expect(202)).body;
    await s.advance(60_000);
    const all = (await http.get(`/api/orders/${sent.orderId}?limit=1000`).set(auth(TOKENS.console)).expect(200)).body;
    expect(all.deliveries).toHaveLength(sent.deliveries);
    expect(all.deliveries.every((d: { name: string; areaName: string }) => d.name && d.areaName)).toBe(true);
    const statuses = [...new Set(all.deliveries.map((d: { status: string }) => d.status))] as string[];
    for (const st of statuses) {
      const r = (await http.get(`/api/orders/${sent.orderId}?status=${st}`).set(auth(TOKENS.console)).expect(200)).body;
      expect(r.deliveries.map((d: { deliveryId: string }) => d.deliveryId)).toEqual(all.deliveries.filter((d: { status: string }) => d.status === st).map((d: { deliveryId: string }) => d.deliveryId));
      expect(r.counts).toEqual(all.counts); // counts stay the whole order's
    }
    const town = '330102001';
    const inTown = (await http.get(`/api/orders/${sent.orderId}?area=${town}`).set(auth(TOKENS.console)).expect(200)).body.deliveries;
    expect(inTown.length).toBeGreaterThan(0);
    expect(inTown.length).toBe(all.deliveries.filter((d: { area: string }) => d.area.startsWith(town)).length);
    const someone = all.deliveries[5];
    const byName = (await http.get(`/api/orders/${sent.orderId}?q=${encodeURIComponent(someone.name)}`).set(auth(TOKENS.console)).expect(200)).body.deliveries;
    expect(byName.map((d: { personId: string }) => d.personId)).toContain(someone.personId);
    const channel = all.deliveries.find((d: { channel: string | null }) => d.channel)!.channel;
    const onChannel = (await http.get(`/api/orders/${sent.orderId}?channel=${channel}`).set(auth(TOKENS.console)).expect(200)).body.deliveries;
    expect(onChannel.length).toBe(all.deliveries.filter((d: { channel: string }) => d.channel === channel).length);
    // Pages of a filtered view walk the filtered rows only, and end.
    const notAnswered = 'queued,sending,sent,delivered,unanswered,expired,failed';
    const want = all.deliveries.filter((d: { status: string }) => notAnswered.split(',').includes(d.status)).map((d: { deliveryId: string }) => d.deliveryId);
    const got: string[] = [];
    for (let after = ''; ; ) {
      const page = (await http.get(`/api/orders/${sent.orderId}?status=${notAnswered}&limit=7&after=${encodeURIComponent(after)}`).set(auth(TOKENS.console)).expect(200)).body;
      got.push(...page.deliveries.map((d: { deliveryId: string }) => d.deliveryId));
      if (!page.next) break;
      after = page.next;
    }
    expect(got).toEqual(want);
    const bad = await http.get(`/api/orders/${sent.orderId}?status=lost,sent&area=nowhere&limit=0`).set(auth(TOKENS.console)).expect(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'status.0']);
    expect((await http.get(`/api/orders/${sent.orderId}?area=999999`).set(auth(TOKENS.console)).expect(400)).body.error.code).toBe('unknown_area');
    // A county desk's order: filtering by an area of another county is answered as for one that
    // does not exist, so the filter tells nothing of what lies outside.
    const mine = (await http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'county-filter', order: order({ to: { areas: ['330102001'] } }) }).expect(202)).body;
    const elsewhere = await http.get(`/api/orders/${mine.orderId}?area=330103`).set(auth(TOKENS.county)).expect(400);
    const nowhere = await http.get(`/api/orders/${mine.orderId}?area=339999`).set(auth(TOKENS.county)).expect(400);
    expect(elsewhere.body.error.code).toBe(nowhere.body.error.code);
    expect(elsewhere.body.error.message.replace('330103', 'X')).toBe(nowhere.body.error.message.replace('339999', 'X'));
    await http.get(`/api/orders/${mine.orderId}/csv?area=330103`).set(auth(TOKENS.county)).expect(400);
    // An order that is not the token's business is 404 whatever the filter says.
    await http.get(`/api/orders/o-nope/csv?area=339999`).set(auth(TOKENS.county)).expect(404);
    await http.get(`/api/orders/o-nope/csv?area=330103`).set(auth(TOKENS.county)).expect(404);
  });

  it('counts an order by area and status; the counts add up to the order', async () => {
    const sent = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'areas', order: order({ to: { areas: ['330102', '330103'] } }) }).expect(202)).body;
    await s.advance(30_000);
    const view = (await http.get(`/api/orders/${sent.orderId}?limit=1`).set(auth(TOKENS.console)).expect(200)).body;
    const areas = (await http.get(`/api/orders/${sent.orderId}/areas`).set(auth(TOKENS.console)).expect(200)).body as { area: string; counts: Record<string, number> }[];
    const sum: Record<string, number> = {};
    for (const a of areas) for (const [k, n] of Object.entries(a.counts)) sum[k] = (sum[k] ?? 0) + n;
    expect(sum).toEqual(view.counts);
    expect(areas.every((a) => a.area.startsWith('330102') || a.area.startsWith('330103'))).toBe(true);
    // The county desk may not see a city-wide order that reaches beyond it.
    await http.get(`/api/orders/${sent.orderId}/areas`).set(auth(TOKENS.county)).expect(404);
    await http.get(`/api/orders/${sent.orderId}/csv`).set(auth(TOKENS.county)).expect(404);
  });

  it("charts an order's progress from its receipts: answered and final agree with the counts at the end", async () => {
    const sent = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'progress', order: order() }).expect(202)).body;
    await s.advance(120_000);
    const view = (await http.get(`/api/orders/${sent.orderId}?limit=1`).set(auth(TOKENS.console)).expect(200)).body;
    const p = (await http.get(`/api/orders/${sent.orderId}/progress`).set(auth(TOKENS.console)).expect(200)).body;
    expect(p).toMatchObject({ total: sent.deliveries, ackRequired: true });
    expect(p.points[0]).toMatchObject({ at: view.createdAt, reached: 0, acknowledged: 0, final: 0 });
    const last = p.points[p.points.length - 1];
    const c = view.counts as Record<string, number>;
    expect(last.acknowledged).toBe(c.acknowledged ?? 0);
    expect(last.acknowledged).toBeGreaterThan(0);
    expect(last.final).toBe(['acknowledged', 'unanswered', 'expired', 'failed', 'cancelled'].reduce((n, k) => n + (c[k] ?? 0), 0));
    expect(last.reached).toBeGreaterThanOrEqual((c.delivered ?? 0) + (c.acknowledged ?? 0) + (c.unanswered ?? 0));
    for (let i = 1; i < p.points.length; i++) expect(Date.parse(p.points[i].at)).toBeGreaterThan(Date.parse(p.points[i - 1].at));
    await http.get(`/api/orders/${sent.orderId}/progress`).set(auth(TOKENS.drill)).expect(403);
  });

  it('exports an order as CSV: a BOM, a header, one row per delivery that passes the filter', async () => {
    const sent = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'csv', order: order() }).expect(202)).body;
    await s.advance(60_000);
    const view = (await http.get(`/api/orders/${sent.orderId}`).set(auth(TOKENS.console)).expect(200)).body;
    const r = await http.get(`/api/orders/${sent.orderId}/csv`).set(auth(TOKENS.console)).buffer(true).parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => done(null, Buffer.concat(parts).toString('utf8')));
    }).expect(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(r.headers['content-disposition']).toContain(`lifeline-${sent.ref}-${sent.orderId}.csv`);
    const text = r.body as string;
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(['personId', 'name', 'area', 'areaName', 'status', 'channel', 'matchedBy', 'attempts', 'lastAt', 'detail']);
    expect(rows).toHaveLength(sent.deliveries);
    const first = view.deliveries[0];
    expect(rows[0].slice(0, 6)).toEqual([first.personId, first.name, first.area, first.areaName, first.status, first.channel ?? '']);
    expect(Number(rows[0][7])).toBe(first.attempts.length);
    const acked = parseCsv((await http.get(`/api/orders/${sent.orderId}/csv?status=acknowledged`).set(auth(TOKENS.console)).expect(200)).text.slice(1)).slice(1);
    expect(acked.every((row) => row[4] === 'acknowledged')).toBe(true);
    expect(acked).toHaveLength(view.counts.acknowledged ?? 0);
  });

  it('sends again to those who have not answered: one new order made by the router, within the scope, audited, idempotent', async () => {
    const first = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'resend-first', order: order({ to: { areas: ['330102', '330103'] } }) }).expect(202)).body;
    await s.advance(120_000); // some answer (reply probability 0.6), some not yet
    const all = (await http.get(`/api/orders/${first.orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body;
    const waiting = all.deliveries.filter((d: { status: string }) => !['acknowledged', 'cancelled'].includes(d.status)).map((d: { personId: string }) => d.personId).sort();
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.length).toBeLessThan(first.deliveries);
    // Refusals name the fields at fault; an order that is not the token's is not found.
    const bad = await http.post(`/api/orders/${first.orderId}/resend`).set(auth(TOKENS.console)).send({ people: 'everyone', ttlS: 1 }).expect(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['clientRef', 'people', 'ttlS']);
    await http.post(`/api/orders/${first.orderId}/resend`).set(auth(TOKENS.county)).send({ clientRef: 'r', people: 'notAnswered' }).expect(404);
    await http.post(`/api/orders/${first.orderId}/resend`).set(auth(TOKENS.drill)).send({ clientRef: 'r', people: 'notAnswered' }).expect(403);

    const again = (await http.post(`/api/orders/${first.orderId}/resend`).set(auth(TOKENS.console)).send({ clientRef: 'resend-1', people: 'notAnswered', summary: '再次通知：立即转移' }).expect(202)).body;
    expect(again.deliveries).toBe(waiting.length);
    const view = (await http.get(`/api/orders/${again.orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body;
    expect(view.deliveries.map((d: { personId: string }) => d.personId).sort()).toEqual(waiting);
    expect(view.deliveries.every((d: { matchedBy: string }) => d.matchedBy === 'person')).toBe(true);
    expect(view).toMatchObject({ priority: all.priority, body: all.body, summary: '再次通知：立即转移', ackRequired: true, ackWithinS: all.ackWithinS, ttlS: all.ttlS, to: all.to });
    // The same clientRef again is the same resend; nothing new is made.
    expect((await http.post(`/api/orders/${first.orderId}/resend`).set(auth(TOKENS.console)).send({ clientRef: 'resend-1', people: 'notAnswered' }).expect(202)).body.orderId).toBe(again.orderId);
    const trail = (await http.get(`/api/audit?action=order.send&subject=${again.orderId}`).set(auth(TOKENS.admin)).expect(200)).body.entries;
    expect(trail).toHaveLength(1);
    expect(trail[0].detail).toMatchObject({ clientRef: 'resend-1', resendOf: first.orderId, people: 'notAnswered', deliveries: waiting.length });

    // Not reached: the county desk resends its own order to those whose terminal never confirmed it.
    const mine = (await http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'resend-county', order: order({ to: { areas: ['330102001'] } }) }).expect(202)).body;
    const unreached = (await http.get(`/api/orders/${mine.orderId}?limit=10000&status=queued,sending,sent,expired,failed`).set(auth(TOKENS.county)).expect(200)).body.deliveries.length;
    const r = (await http.post(`/api/orders/${mine.orderId}/resend`).set(auth(TOKENS.county)).send({ clientRef: 'resend-county-1', people: 'notReached', priority: 'immediate' }).expect(202)).body;
    expect(r.deliveries).toBe(unreached);
    const list = (await http.get('/api/orders').set(auth(TOKENS.county)).expect(200)).body.map((o: { orderId: string }) => o.orderId);
    expect(list).toContain(r.orderId); // within the county's scope, as the first order
  });

  it('searches the directory by name or id within the scope', async () => {
    const all = (await http.get('/api/directory').set(auth(TOKENS.console)).expect(200)).body.people as { id: string; name: string; area: string }[];
    const someone = all.find((p) => p.area.startsWith('330103'))!;
    const found = (await http.get(`/api/directory?q=${encodeURIComponent(someone.name)}&limit=20`).set(auth(TOKENS.console)).expect(200)).body.people;
    expect(found.map((p: { id: string }) => p.id)).toContain(someone.id);
    expect(found.every((p: { name: string; id: string }) => p.name.includes(someone.name) || p.id.includes(someone.name))).toBe(true);
    // Out of the county desk's areas: not found, as if absent. LIKE's wildcards are literal.
    expect((await http.get(`/api/directory?q=${encodeURIComponent(someone.name)}`).set(auth(TOKENS.county)).expect(200)).body.people.filter((p: { id: string }) => p.id === someone.id)).toEqual([]);
    expect((await http.get('/api/directory?q=%25').set(auth(TOKENS.console)).expect(200)).body.people).toEqual([]);
    expect((await http.get(`/api/directory?q=${someone.id}`).set(auth(TOKENS.console)).expect(200)).body.people.map((p: { id: string }) => p.id)).toEqual([someone.id]);
  });

  it("lists every role of the directory within the scope with its count, not only those of a page's people", async () => {
    const people = (await http.get('/api/directory').set(auth(TOKENS.console)).expect(200)).body.people as { area: string; roles: string[] }[];
    const count = (within: (p: { area: string }) => boolean) => {
      const n = new Map<string, number>();
      for (const p of people.filter(within)) for (const r of new Set(p.roles)) n.set(r, (n.get(r) ?? 0) + 1);
      return [...n].map(([role, k]) => ({ role, people: k })).sort((a, b) => (a.role < b.role ? -1 : 1));
    };
    const city = (await http.get('/api/directory/roles').set(auth(TOKENS.console)).expect(200)).body.roles;
    expect(city).toEqual(count(() => true));
    expect(city.length).toBeGreaterThan(1);
    // The county desk counts its county only; a drill desk may read them; a gateway may not.
    expect((await http.get('/api/directory/roles').set(auth(TOKENS.county)).expect(200)).body.roles).toEqual(count((p) => p.area.startsWith('330102')));
    await http.get('/api/directory/roles').set(auth(TOKENS.drill)).expect(200);
    await http.get('/api/directory/roles').set(auth(TOKENS.pdt)).expect(403);
  });

  it('lets dispatch desks read outages and relays (within their areas) but not inject them', async () => {
    const o = (await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'network', area: '330103' }).expect(201)).body;
    const city = (await http.get('/api/drills/outages').set(auth(TOKENS.console)).expect(200)).body.map((x: { outageId: string }) => x.outageId);
    expect(city).toContain(o.outageId);
    expect((await http.get('/api/drills/outages').set(auth(TOKENS.county)).expect(200)).body.map((x: { outageId: string }) => x.outageId)).not.toContain(o.outageId);
    await http.get('/api/drills/relays').set(auth(TOKENS.console)).expect(200);
    await http.post('/api/drills/outages').set(auth(TOKENS.console)).send({ kind: 'network', area: '330103' }).expect(403);
    await http.delete(`/api/drills/outages/${o.outageId}`).set(auth(TOKENS.console)).expect(403);
    await http.delete(`/api/drills/outages/${o.outageId}`).set(auth(TOKENS.drill)).expect(200);
  });
});
