import request from 'supertest';
import { sqliteOf } from '../support/test-store';
import { digest } from '../support/digest';
import { Client, testServer, TOKENS, type TestServer } from '../support/server';
import { rawRequest, StubbornSocket, upgradeRequest } from '../support/raw-client';
import { listenForMetrics } from '../../apps/router/src/metrics/metrics-listener';
import { Metrics } from '../../apps/router/src/metrics/metrics';

/**
 * The adversarial suite, by role and scope: every route and frame tried with every kind of token,
 * revoked ones and tokens of other scopes and channels; cursors and ids that point elsewhere.
 * A refused request changes nothing (database digest), an allowed one does what its role allows.
 */
const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const COUNTY = '330102'; // 滨江县, the county token's scope
const ELSEWHERE = '330103'; // 青山县
const order = (areas: string[], over: Record<string, unknown> = {}) => ({
  priority: 'immediate',
  to: { areas },
  body: '防汛通知：今晚有强降雨，请做好转移准备。',
  ackRequired: false,
  ttlS: 3600,
  ...over,
});

describe('every route and frame by role, scope and token state', () => {
  let s: TestServer;
  let http: ReturnType<typeof request>;
  const tokens: Record<string, string> = {};
  let inCounty: string;
  let outside: string;

  beforeAll(async () => {
    // Failed authentications are part of the matrix: the limit is tested on a server of its own.
    s = await testServer({ tweak: (c) => ((c.security.authFailures.limit = 10_000), c.channels.forEach((ch) => (ch.simulator.replyProbability = 0))) });
    http = request(s.app.getHttpServer());
    const make = async (body: object) => (await http.post('/api/tokens').set(auth(TOKENS.admin)).send(body).expect(201)).body as { id: string; token: string };
    Object.assign(tokens, { admin: TOKENS.admin, console: TOKENS.console, county: TOKENS.county, drill: TOKENS.drill, metrics: TOKENS.metrics, gateway: TOKENS.pdt });
    tokens.countyDrill = (await make({ role: 'drill', name: 'county drill', areas: [COUNTY] })).token;
    const revoked = await make({ role: 'console', name: 'revoked desk' });
    await http.delete(`/api/tokens/${revoked.id}`).set(auth(TOKENS.admin)).expect(204);
    tokens.revoked = revoked.token;
    tokens.bogus = 'not-a-token';
    inCounty = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'in', order: order([`${COUNTY}001001`]) }).expect(202)).body.orderId;
    outside = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'out', order: order([`${ELSEWHERE}002003`]) }).expect(202)).body.orderId;
    await s.advance(60_000);
  });
  afterAll(async () => s.close());

  /** Public routes: every caller, with any token or none. */
  const EVERYONE = ['admin', 'console', 'county', 'drill', 'countyDrill', 'metrics', 'gateway', 'revoked', 'bogus', 'none'];
  /** `allowed`: admin and these may (a 404 for an id that does not exist is an answer too); `hidden`: 404 as if absent. */
  type Route = { method: 'get' | 'post' | 'delete'; path: string; body?: object | string; type?: string; allowed: string[]; hidden?: string[] };
  /** A CAP alert over a village of the county: each allowed caller makes an order of it. */
  const capAlert = () =>
    `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>m-${Math.random()}</identifier><sender>roles@x</sender><sent>2026-07-01T16:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>` +
    `<info><category>Met</category><event>暴雨</event><urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty><area><areaDesc>村</areaDesc><geocode><valueName>GB/T 2260</valueName><value>${COUNTY}001002</value></geocode></area></info></alert>`;
  /** The same warning in GB/T 35965.1: the first caller makes its order, the others get it replayed. */
  const gbtWarning =
    '<alert><identifier>33010041600000_20260701163000_0</identifier><sender>气象台</sender><senderCode>33010041600000</senderCode><sendTime>2026-07-01T16:30:00+08:00</sendTime><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>' +
    `<info><eventType>11B03</eventType><urgency>Immediate</urgency><severity>Orange</severity><certainty>Observed</certainty><headline>暴雨橙色预警</headline><description>暴雨</description><area><areaDesc>村</areaDesc><geocode>${COUNTY}001003</geocode></area></info></alert>`;
  const routes = (): Route[] => [
    { method: 'get', path: '/api/orders', allowed: ['admin', 'console', 'county'] },
    { method: 'post', path: '/api/orders', body: { clientRef: `m-${Math.random()}`, order: order([`${COUNTY}001002`]) }, allowed: ['admin', 'console', 'county'] },
    { method: 'post', path: '/api/cap', body: capAlert(), type: 'application/cap+xml', allowed: ['admin', 'console', 'county'] },
    { method: 'post', path: '/api/gbt35965', body: gbtWarning, type: 'application/xml', allowed: ['admin', 'console', 'county'] },
    { method: 'get', path: '/api/cap/feed', allowed: ['admin', 'console', 'county'] },
    { method: 'get', path: `/api/orders/${outside}/cap`, allowed: ['console'], hidden: ['county'] },
    { method: 'get', path: `/api/orders/${outside}/gbt35965`, allowed: ['console'], hidden: ['county'] },
    { method: 'get', path: `/api/orders/${outside}`, allowed: ['console'], hidden: ['county'] },
    { method: 'post', path: `/api/orders/${outside}/cancel`, allowed: ['console'], hidden: ['county'] },
    { method: 'post', path: `/api/orders/${outside}/resend`, body: { clientRef: `r-${Math.random()}`, people: 'notAnswered' }, allowed: ['console'], hidden: ['county'] },
    { method: 'get', path: '/api/events?since=0', allowed: ['admin', 'console', 'county', 'drill', 'countyDrill'] },
    { method: 'get', path: '/api/channels', allowed: ['admin', 'console', 'county', 'drill', 'countyDrill'] },
    { method: 'get', path: '/api/directory', allowed: ['admin', 'console', 'county', 'drill', 'countyDrill'] },
    { method: 'get', path: '/api/tokens', allowed: ['admin'] },
    { method: 'post', path: '/api/tokens', body: { role: 'console', name: 'matrix' }, allowed: ['admin'] },
    { method: 'delete', path: '/api/tokens/tok-000000000000', allowed: [] },
    { method: 'delete', path: '/api/tokens/cfg-685aa357bdcb', allowed: [] },
    { method: 'get', path: '/api/audit', allowed: ['admin'] },
    { method: 'get', path: '/api/drills/outages', allowed: ['admin', 'drill', 'countyDrill', 'console', 'county'] },
    { method: 'post', path: '/api/drills/outages', body: { kind: 'road', area: `${COUNTY}001`, durationS: 60 }, allowed: ['admin', 'drill', 'countyDrill'] },
    { method: 'delete', path: '/api/drills/outages/out-nope', allowed: ['drill', 'countyDrill'] },
    { method: 'post', path: '/api/sim/people/p-000001/reply', body: { orderId: 'o-none' }, allowed: ['drill', 'countyDrill'] },
    { method: 'get', path: '/api/drills/relays', allowed: ['admin', 'drill', 'countyDrill', 'console', 'county'] },
    { method: 'get', path: '/api/me', allowed: ['admin', 'console', 'county', 'drill', 'countyDrill'] },
    { method: 'post', path: '/api/orders/preview', body: { order: order([`${COUNTY}001002`]) }, allowed: ['admin', 'console', 'county'] },
    { method: 'get', path: `/api/orders/${outside}/areas`, allowed: ['console'], hidden: ['county'] },
    { method: 'get', path: `/api/orders/${outside}/csv`, allowed: ['console'], hidden: ['county'] },
    { method: 'get', path: `/api/orders/${outside}/progress`, allowed: ['console'], hidden: ['county'] },
    { method: 'get', path: '/metrics', allowed: ['admin', 'metrics'] },
    { method: 'get', path: '/health', allowed: EVERYONE },
    { method: 'get', path: '/api/openapi.json', allowed: EVERYONE },
    { method: 'get', path: '/api/directory/roles', allowed: ['admin', 'console', 'county', 'drill', 'countyDrill'] },
  ];

  it('holds every role on every HTTP route: refused requests change nothing', async () => {
    const problems: string[] = [];
    for (const who of ['none', 'bogus', 'revoked', 'gateway', 'metrics', 'drill', 'countyDrill', 'county', 'console', 'admin']) {
      for (const r of routes()) {
        const before = digest(sqliteOf(s.lifeline.store));
        let req = http[r.method](r.path);
        if (who !== 'none') req = req.set(auth(tokens[who]));
        if (r.type) req = req.set('content-type', r.type);
        const res = r.body ? await req.send(r.body) : await req;
        const valid = !['none', 'bogus', 'revoked'].includes(who);
        const expected = who === 'admin' || r.allowed.includes(who) ? 'allowed' : r.hidden?.includes(who) ? 404 : !valid ? 401 : 403;
        const ok = expected === 'allowed' ? res.status < 400 || res.status === 404 || res.status === 409 : res.status === expected;
        if (!ok) problems.push(`${who} ${r.method.toUpperCase()} ${r.path}: ${res.status}, expected ${expected}`);
        if (res.status >= 400 && digest(sqliteOf(s.lifeline.store)) !== before) problems.push(`${who} ${r.method.toUpperCase()} ${r.path}: refused with ${res.status} but the database changed`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('holds every role on both WebSocket endpoints and every console frame', async () => {
    for (const who of ['revoked', 'bogus', 'none']) await expect(Client.open(s.url, tokens[who] ?? null)).rejects.toThrow(/401/);
    for (const who of ['gateway', 'metrics']) await expect(Client.open(s.url, tokens[who])).rejects.toThrow(/403/);
    for (const who of ['revoked', 'bogus', 'none']) await expect(Client.open(s.url, tokens[who] ?? null, '/gateway')).rejects.toThrow(/401/);
    for (const who of ['console', 'county', 'drill', 'countyDrill', 'metrics', 'admin']) await expect(Client.open(s.url, tokens[who], '/gateway')).rejects.toThrow(/403/);
    const before = digest(sqliteOf(s.lifeline.store));
    for (const who of ['drill', 'countyDrill']) {
      const c = await Client.open(s.url, tokens[who]);
      const refused = c.nextNew((f) => f.type === 'error');
      c.send({ type: 'order.send', clientRef: 'drill-order', order: order([`${COUNTY}001001`]) });
      expect((await refused).error).toMatchObject({ code: 'forbidden' });
      const again = c.nextNew((f) => f.type === 'error');
      c.send({ type: 'order.cancel', orderId: inCounty });
      expect((await again).error).toMatchObject({ code: 'forbidden' });
      await c.close();
    }
    expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
  });

  it('answers what lies outside a scope exactly like what does not exist, on HTTP and WebSocket alike', async () => {
    const before = digest(sqliteOf(s.lifeline.store));
    const body = async (r: request.Test) => (await r).body.error;
    // An order of another county, and one that never existed.
    const other = await body(http.get(`/api/orders/${outside}`).set(auth(TOKENS.county)).expect(404));
    const none = await body(http.get('/api/orders/o-nothing').set(auth(TOKENS.county)).expect(404));
    expect([other.code, none.code]).toEqual(['not_found', 'not_found']);
    await http.post(`/api/orders/${outside}/cancel`).set(auth(TOKENS.county)).expect(404);
    const c = await Client.open(s.url, TOKENS.county);
    c.send({ type: 'order.cancel', orderId: outside });
    const wsOther = await c.next((f) => f.type === 'error');
    expect(wsOther.error).toEqual({ code: 'not_found', message: `no order ${outside}` });
    // A person of another county, and one that does not exist.
    const stranger = (await s.lifeline.store.read.deliveries.ofOrder(outside))[0].personId;
    const p1 = await body(http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'p1', order: { ...order([]), to: { people: [stranger] } } }).expect(400));
    const p2 = await body(http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'p2', order: { ...order([]), to: { people: ['p-nobody'] } } }).expect(400));
    expect([p1.code, p2.code]).toEqual(['unknown_person', 'unknown_person']);
    c.send({ type: 'order.send', clientRef: 'p3', order: { ...order([]), to: { people: [stranger] } } });
    expect((await c.next((f) => f.type === 'order.rejected')).error).toMatchObject({ code: 'unknown_person' });
    // An area of another county, and one that does not exist: both out of scope for a county desk.
    const a1 = await body(http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'a1', order: order([ELSEWHERE]) }).expect(403));
    const a2 = await body(http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'a2', order: order(['999999']) }).expect(403));
    expect([a1.code, a2.code]).toEqual(['out_of_scope', 'out_of_scope']);
    await c.close();
    expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
  });

  it('binds every cursor and id to what the token may see', async () => {
    // An order of the county made after the other county's: its key range lies above that one's.
    const later = (await http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'later', order: order([`${COUNTY}001004`]) }).expect(202)).body.orderId as string;
    expect(later > outside).toBe(true);
    const page = async (after: string) => (await http.get(`/api/orders/${later}?limit=1000&after=${encodeURIComponent(after)}`).set(auth(TOKENS.county)).expect(200)).body;
    const own = (await page('')).deliveries.map((d: { deliveryId: string }) => d.deliveryId);
    expect(own.length).toBeGreaterThan(0);
    // Cursors below the order's range, between orders, and from another order: never another order's rows.
    for (const after of ['', '!', '0', 'a', 'o-', `${outside}:`, `${later}`, `${later}:`, `${outside}:p-999999`]) {
      const ids = (await page(after)).deliveries.map((d: { deliveryId: string }) => d.deliveryId);
      for (const id of ids) expect(id.startsWith(`${later}:`)).toBe(true);
    }
    // The live stream and its replay from the start: nothing of the other county's order either,
    // while a token of the whole city sees it (so there is something to hide). A marker order
    // made after the subscribe comes live, after the whole replay.
    const ofOutside = (f: Record<string, unknown>) => f.orderId === outside || String(f.deliveryId ?? '').startsWith(`${outside}:`);
    const [countyWs, cityWs] = [await Client.open(s.url, TOKENS.county), await Client.open(s.url, TOKENS.console)];
    for (const c of [countyWs, cityWs]) c.send({ type: 'subscribe', since: 0 });
    const marker = (await http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'ws-marker', order: order([`${COUNTY}001005`]) }).expect(202)).body.orderId as string;
    for (const c of [countyWs, cityWs]) await c.next((f) => f.orderId === marker);
    expect(cityWs.frames.some(ofOutside)).toBe(true);
    expect(countyWs.frames.some((f) => f.orderId === inCounty)).toBe(true);
    expect(countyWs.frames.filter(ofOutside)).toEqual([]);
    for (const c of [countyWs, cityWs]) await c.close();
    // Events, orders, directory: nothing of the other county.
    const events = (await http.get('/api/events?since=0&limit=10000').set(auth(TOKENS.county)).expect(200)).body as { orderId?: string }[];
    expect(events.filter((e) => e.orderId === outside)).toEqual([]);
    const orders = (await http.get('/api/orders').set(auth(TOKENS.county)).expect(200)).body as { orderId: string }[];
    expect(orders.map((o) => o.orderId)).toContain(inCounty);
    expect(orders.map((o) => o.orderId)).not.toContain(outside);
    const dir = (await http.get('/api/directory?limit=2&after=').set(auth(TOKENS.county)).expect(200)).body;
    let after = dir.next as string | null;
    const areas = new Set<string>((dir.people as { area: string }[]).map((p) => p.area));
    const ids = new Set<string>((dir.people as { id: string }[]).map((p) => p.id));
    expect(dir.people).toHaveLength(2); // a page is full: filtered before its limit
    while (after) {
      expect(ids.has(after)).toBe(true); // a cursor names only someone the token was shown
      const next = (await http.get(`/api/directory?limit=100&after=${after}`).set(auth(TOKENS.county)).expect(200)).body;
      for (const p of next.people as { area: string; id: string }[]) {
        areas.add(p.area);
        ids.add(p.id);
      }
      after = next.next;
    }
    for (const a of areas) expect(a.startsWith(COUNTY)).toBe(true);
    expect((dir.areas as { code: string }[]).some((a) => a.code.startsWith(ELSEWHERE))).toBe(false);
  });

  it('shows a drill officer the world a drill changes, not who was told what', async () => {
    const events = (await http.get('/api/events?since=0&limit=10000').set(auth(TOKENS.drill)).expect(200)).body as { type: string }[];
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['channel']));
    const c = await Client.open(s.url, TOKENS.drill);
    c.send({ type: 'subscribe', since: 0 });
    await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'network', area: `${COUNTY}002`, durationS: 600 }).expect(201);
    await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'while-drill', order: order([`${COUNTY}001003`]) }).expect(202);
    await s.advance(30_000);
    await c.next((f) => f.type === 'channel' && f.state === 'down');
    expect(c.frames.filter((f) => f.type === 'receipt' || f.type === 'order.accepted')).toEqual([]);
    await c.close();
    const dir = (await http.get('/api/directory').set(auth(TOKENS.drill)).expect(200)).body;
    expect(dir.people[0]).not.toHaveProperty('terminals');
    // A drill token of one county drills there only.
    await http.post('/api/drills/outages').set(auth(tokens.countyDrill)).send({ kind: 'network', area: ELSEWHERE }).expect(403);
    await http.post('/api/drills/outages').set(auth(tokens.countyDrill)).send({ kind: 'network' }).expect(403);
    const theirs = (await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'road', area: ELSEWHERE, durationS: 60 }).expect(201)).body;
    await http.delete(`/api/drills/outages/${theirs.outageId}`).set(auth(tokens.countyDrill)).expect(404);
    const listed = (await http.get('/api/drills/outages').set(auth(tokens.countyDrill)).expect(200)).body as { area: string }[];
    for (const o of listed) expect(o.area.startsWith(COUNTY)).toBe(true);
  });

  it('refuses a token with an empty area list instead of making it a token for everywhere', async () => {
    const before = digest(sqliteOf(s.lifeline.store));
    const r = await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: 'nowhere', areas: [] }).expect(400);
    expect(r.body.error.issues).toEqual([expect.objectContaining({ path: 'areas' })]);
    await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: 'x', channel: 'pdt' }).expect(400);
    await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'drill', name: 'x', gatewayIds: ['a'] }).expect(400);
    expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
  });

  it('takes ?token= on WebSocket upgrades only, never on plain HTTP routes', async () => {
    await http.get(`/api/orders?token=${TOKENS.admin}`).expect(401);
    await http.get(`/api/audit?token=${TOKENS.admin}`).expect(401);
    const c = await Client.open(`${s.url}`, null, `/ws?token=${TOKENS.console}`);
    await c.close();
  });

  it('puts security headers on every answer and keeps API answers out of caches', async () => {
    for (const path of ['/health', '/api/orders', '/nope']) {
      const r = await http.get(path).set(auth(TOKENS.console));
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('records every privileged action in the audit trail, readable by admins only', async () => {
    const made = (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: 'audited desk', areas: [COUNTY] }).expect(201)).body;
    await http.delete(`/api/tokens/${made.id}`).set(auth(TOKENS.admin)).expect(204);
    const o = (await http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'audited', order: order([`${COUNTY}003`]) }).expect(202)).body;
    await http.post(`/api/orders/${o.orderId}/cancel`).set(auth(TOKENS.county)).expect(202);
    const out = (await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'power', area: COUNTY }).expect(201)).body;
    await http.delete(`/api/drills/outages/${out.outageId}`).set(auth(TOKENS.drill)).expect(200);
    const ws = await Client.open(s.url, TOKENS.console);
    ws.send({ type: 'order.send', clientRef: 'audited-ws', order: order([`${COUNTY}004`]) });
    const viaWs = await ws.next((f) => f.type === 'order.accepted');
    await ws.close();
    await http.get('/api/audit').set(auth(TOKENS.console)).expect(403);
    const all = (await http.get('/api/audit?limit=1000').set(auth(TOKENS.admin)).expect(200)).body.entries as { action: string; subject: string; actorName: string; actorRole: string; address: string | null }[];
    const find = (action: string, subject: string) => all.find((e) => e.action === action && e.subject === subject);
    expect(find('token.create', made.id)).toMatchObject({ actorName: 'demo admin', actorRole: 'admin' });
    expect(find('token.revoke', made.id)).toMatchObject({ actorName: 'demo admin' });
    expect(find('order.send', o.orderId)).toMatchObject({ actorName: '滨江县 desk', actorRole: 'console', address: expect.stringMatching(/127\.0\.0\.1/) });
    expect(find('order.cancel', o.orderId)).toMatchObject({ actorName: '滨江县 desk' });
    expect(find('outage.create', out.outageId)).toMatchObject({ actorName: 'drill officer', actorRole: 'drill' });
    expect(find('outage.end', out.outageId)).toMatchObject({ actorName: 'drill officer' });
    expect(find('order.send', viaWs.orderId as string)).toMatchObject({ actorName: 'city dispatch desk' });
    expect(all.some((e) => e.action === 'config.load')).toBe(true);
    // Paged and filtered.
    const first = (await http.get('/api/audit?limit=2').set(auth(TOKENS.admin)).expect(200)).body;
    const second = (await http.get(`/api/audit?limit=2&after=${first.next}`).set(auth(TOKENS.admin)).expect(200)).body;
    expect(second.entries[0].id).toBeLessThan(first.entries[1].id);
    const sends = (await http.get('/api/audit?action=order.send&limit=1000').set(auth(TOKENS.admin)).expect(200)).body.entries as { action: string }[];
    expect(new Set(sends.map((e) => e.action))).toEqual(new Set(['order.send']));
    await http.get('/api/audit?limit=0').set(auth(TOKENS.admin)).expect(400);

    // A simulated answer and a CAP alert are privileged actions too.
    const person = (await s.lifeline.store.read.deliveries.ofOrder(viaWs.orderId as string))[0].personId;
    await http.post(`/api/sim/people/${person}/reply`).set(auth(TOKENS.drill)).send({ orderId: viaWs.orderId }).expect(202);
    await http.post('/api/cap').set(auth(TOKENS.county)).set('content-type', 'application/cap+xml').send(capAlert()).expect((r) => expect(r.status).toBeLessThan(300));
    type Entry = { id: number; at: string; actorId: string; actorName: string; actorRole: string; action: string; subject: string };
    const latest = (await http.get('/api/audit?limit=1000').set(auth(TOKENS.admin)).expect(200)).body.entries as Entry[];
    expect(latest.find((e) => e.action === 'sim.reply' && e.subject === person)).toMatchObject({ actorName: 'drill officer', actorRole: 'drill' });
    expect(latest.find((e) => e.action === 'cap.receive' && e.subject.startsWith('roles@x '))).toMatchObject({ actorName: '滨江县 desk', actorRole: 'console' });
    // Filtered by actor, by subject and by time: exactly the entries that match, and some.
    const query = async (q: string) => (await http.get(`/api/audit?limit=1000&${q}`).set(auth(TOKENS.admin)).expect(200)).body.entries as Entry[];
    const drillId = latest.find((e) => e.actorName === 'drill officer')!.actorId;
    const byDrill = await query(`actor=${drillId}`);
    expect(byDrill.map((e) => e.id)).toEqual(latest.filter((e) => e.actorId === drillId).map((e) => e.id));
    expect(byDrill.length).toBeGreaterThan(1);
    const aboutOrder = await query(`subject=${o.orderId}`);
    expect(aboutOrder.map((e) => e.action).sort()).toEqual(['order.cancel', 'order.send']);
    const at = latest[latest.length - 1].at; // the oldest, config.load at the start
    expect((await query(`from=${at}&to=${at}`)).map((e) => e.id)).toEqual(latest.filter((e) => e.at === at).map((e) => e.id));
    expect(await query(`to=${new Date(Date.parse(at) - 1).toISOString()}`)).toEqual([]);
    expect((await query(`from=${new Date(Date.parse(at) + 1).toISOString()}`)).map((e) => e.id)).toEqual(latest.filter((e) => e.at > at).map((e) => e.id));

    // A scoped admin pages through its own entries only, whatever its cursor says.
    const countyAdmin = (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'admin', name: 'county admin', areas: [COUNTY] }).expect(201)).body;
    for (const name of ['county desk a', 'county desk b', 'county desk c'])
      await http.post('/api/tokens').set(auth(countyAdmin.token)).send({ role: 'console', name, areas: [COUNTY] }).expect(201);
    const scoped = async (q: string) => (await http.get(`/api/audit?${q}`).set(auth(countyAdmin.token)).expect(200)).body as { entries: Entry[]; next: number | null };
    const mine = (await scoped('limit=1000')).entries.map((e) => e.id);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    const walked: number[] = [];
    for (let page = await scoped('limit=1'); ; page = await scoped(`limit=1&after=${page.next}`)) {
      walked.push(...page.entries.map((e) => e.id));
      if (page.next === null) break;
    }
    expect(walked).toEqual(mine);
    // Cursors above, between and past every entry: never one of the city's.
    const top = latest[0].id + 100;
    for (const after of [top, latest[Math.floor(latest.length / 2)].id, 2 ** 31, Number.MAX_SAFE_INTEGER])
      for (const e of (await scoped(`limit=1000&after=${after}`)).entries) expect(mine).toContain(e.id);
  });
});

describe('failed authentication is rate limited per address', () => {
  it('answers 429 with Retry-After past the limit, never slows a valid token, and forgets after the window', async () => {
    const s = await testServer({ tweak: (c) => (c.security.authFailures = { limit: 5, windowS: 60 }) });
    try {
      const http = request(s.app.getHttpServer());
      for (let i = 0; i < 5; i++) await http.get('/api/orders').set(auth(`wrong-${i}`)).expect(401);
      const limited = await http.get('/api/orders').set(auth('wrong-6')).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await expect(Client.open(s.url, 'wrong-ws')).rejects.toThrow(/429/);
      const upgrade = await rawRequest(s.url, [upgradeRequest('/ws', auth('wrong-ws'))]);
      expect(upgrade.status).toBe(429);
      expect(Number(/\r\nRetry-After: (\d+)\r\n/i.exec(upgrade.text)?.[1])).toBeGreaterThan(0);
      // Another address is not limited by this one's failures (Linux routes all of 127/8 to lo).
      const elsewhere = await rawRequest(s.url, ['GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-elsewhere\r\n\r\n'], { localAddress: '127.0.0.2' });
      expect(elsewhere.status).toBe(401);
      await http.get('/api/orders').set(auth(TOKENS.console)).expect(200);
      const ws = await Client.open(s.url, TOKENS.console);
      await ws.close();
      await s.advance(61_000);
      await http.get('/api/orders').set(auth('wrong-again')).expect(401);
    } finally {
      await s.close();
    }
  });
});

describe('metrics on their own listener', () => {
  it('serves /metrics without a token on the management address, and with one on the main port', async () => {
    const s = await testServer({ tweak: (c) => (c.metrics.listen = { host: '127.0.0.1', port: 0 }) });
    try {
      const r = await fetch(`${s.metricsUrl}/metrics`);
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/lifeline_gateways_connected/);
      expect((await fetch(`${s.metricsUrl}/api/orders`)).status).toBe(404);
      await request(s.app.getHttpServer()).get('/metrics').expect(401);
    } finally {
      await s.close();
    }
  });
});

describe('gateways are known by channel and id, within what their token allows', () => {
  let s: TestServer;
  let http: ReturnType<typeof request>;
  beforeEach(async () => {
    s = await testServer({ simulators: 'public,tiantong,beidou,drone' });
    http = request(s.app.getHttpServer());
  });
  afterEach(async () => s.close());
  const token = async (body: object) => (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'gateway', name: 'gw', ...body }).expect(201)).body.token as string;
  const hello = (gatewayId: string, channel: string, areas = ['330100']) => ({ type: 'hello', gatewayId, channel, areas, window: 10 });
  const online = (channel: string) => s.lifeline.core.gateways.connected(channel).map((g) => g.gatewayId);

  it('cannot displace another channel\'s gateway by taking its id', async () => {
    expect(online('public')).toEqual(['sim-public']);
    const pdt = await Client.open(s.url, TOKENS.pdt, '/gateway');
    pdt.send(hello('sim-public', 'pdt'));
    await s.advance(100);
    expect(online('public')).toEqual(['sim-public']);
    expect(online('pdt')).toEqual(['sim-public']); // a pdt gateway of that name, beside it
    pdt.send(hello('sim-public', 'public'));
    expect((await pdt.next((f) => f.type === 'error')).error).toMatchObject({ code: 'wrong_channel' });
    await pdt.close();
    expect(s.lifeline.core.channelStates().filter((c) => c.channel === 'public' && c.state !== 'up')).toEqual([]);
  });

  it('claims only the ids and areas its token names, and never a live id of another token', async () => {
    const bound = await token({ channel: 'pdt', gatewayIds: ['radio-a'], areas: ['330102'] });
    const a = await Client.open(s.url, bound, '/gateway');
    a.send(hello('radio-b', 'pdt', ['330102']));
    expect((await a.next((f) => f.type === 'error')).error).toMatchObject({ code: 'forbidden_gateway_id' });
    a.send(hello('radio-a', 'pdt', ['330100']));
    expect((await a.next((f) => (f.error as { code?: string })?.code === 'out_of_scope')).error).toMatchObject({ code: 'out_of_scope' });
    a.send(hello('radio-a', 'pdt', ['330102']));
    await s.advance(100);
    expect(online('pdt')).toEqual(['radio-a']);
    a.send({ type: 'coverage', areas: ['330103'], until: new Date(s.clock.now() + 60_000).toISOString() });
    a.send({ type: 'health', state: 'down', areas: ['330100'] });
    await a.next((f) => f.type === 'error' && a.frames.filter((g) => (g.error as { code?: string })?.code === 'out_of_scope').length === 3);
    a.send(hello('radio-a2', 'pdt', ['330102']));
    await a.next((f) => (f.error as { code?: string })?.code === 'forbidden_gateway_id' && a.frames.filter((g) => (g.error as { code?: string })?.code === 'forbidden_gateway_id').length === 2);

    // Another token of the same channel cannot take radio-a over while it is online.
    const other = await Client.open(s.url, await token({ channel: 'pdt' }), '/gateway');
    other.send(hello('radio-a', 'pdt', ['330102']));
    expect((await other.next((f) => f.type === 'error')).error).toMatchObject({ code: 'gateway_id_in_use' });
    expect(online('pdt')).toEqual(['radio-a']);
    // The same token, reconnecting, replaces its stale link.
    const again = await Client.open(s.url, bound, '/gateway');
    again.send(hello('radio-a', 'pdt', ['330102']));
    await s.advance(100);
    expect(online('pdt')).toEqual(['radio-a']);
    // One link is one gateway: a second hello may not rename it.
    again.send(hello('radio-a', 'pdt', ['330102001']));
    again.send({ ...hello('radio-c', 'pdt', ['330102']) });
    await again.next((f) => f.type === 'error');
    for (const c of [a, other, again]) await c.close();
  });

  it('answers only for sends it was handed, and for people within its areas', async () => {
    const handed: { gateway: string; attemptId: string; to: string }[] = [];
    s.lifeline.core.sent$.subscribe(({ gateway, item }) => handed.push({ gateway, attemptId: item.attemptId, to: item.to }));
    const replies: boolean[] = [];
    s.lifeline.core.replies$.subscribe((r) => replies.push(r.matched));
    const rogue = await Client.open(s.url, await token({ channel: 'public', areas: [ELSEWHERE] }), '/gateway');
    rogue.send(hello('rogue', 'public', [ELSEWHERE]));
    await s.advance(100);
    await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'forged', order: order([`${COUNTY}001001`], { ackRequired: true }) }).expect(202);
    await s.lifeline.core.settle();
    const victim = handed.find((h) => h.gateway === 'public/sim-public')!;
    expect(victim).toBeDefined();
    const deliveryId = victim.attemptId.split('#')[0];
    // Frames are handled in order: the error for the last one means the others were handled.
    const forge = async (...frames: object[]) => {
      const errors = rogue.frames.filter((f) => f.type === 'error').length;
      for (const f of [...frames, { type: 'nonsense' }]) rogue.send(f);
      await rogue.next(() => rogue.frames.filter((f) => f.type === 'error').length > errors);
      await s.lifeline.core.settle();
    };
    await forge({ type: 'accepted', attemptId: victim.attemptId }, { type: 'failed', attemptId: victim.attemptId, permanent: true, reason: 'forged' }, { type: 'delivered', attemptId: victim.attemptId });
    expect((await s.lifeline.store.read.attempts.ofDelivery(deliveryId)).map((a) => a.status)).toEqual(['sending']);
    await s.advance(60_000); // the real gateway delivers; the person has not answered yet
    expect((await s.lifeline.store.read.deliveries.load([deliveryId])).get(deliveryId)!.status).toBe('delivered');
    await forge({ type: 'reply', from: victim.to, text: '1' }, { type: 'reply', from: victim.to, text: '收到' });
    expect(replies).toEqual([false, false]);
    expect((await s.lifeline.store.read.deliveries.load([deliveryId])).get(deliveryId)!.status).toBe('delivered'); // not answered
    await rogue.close();
  });

  it('treats a relay resource id as mobile only on the resource\'s own channel', async () => {
    // wing-loong-1 is the drone relay; a public gateway calling itself that is a fixed site.
    const pub = await Client.open(s.url, await token({ channel: 'public' }), '/gateway');
    pub.send(hello('wing-loong-1', 'public', ['330102']));
    await s.advance(100);
    await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'network', area: '330102' }).expect(201);
    await s.advance(100);
    expect(s.lifeline.core.gatewayReaches('public', 'wing-loong-1', '330102001001')).toBe(false);
    await pub.close();
  });
});

describe('a revoked console token on a socket that ignores the close frame', () => {
  it('has no order, cancel or subscription of its own after the revocation', async () => {
    const s = await testServer();
    try {
      const http = request(s.app.getHttpServer());
      const made = (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: 'to revoke' }).expect(201)).body;
      const ws = await StubbornSocket.open(s.url, '/ws', auth(made.token));
      ws.send({ type: 'order.send', clientRef: 'before', order: order(['330102001001']) });
      await ws.until(() => ws.texts.length === 1);
      await http.delete(`/api/tokens/${made.id}`).set(auth(TOKENS.admin)).expect(204);
      await ws.until(() => ws.closeCode === 4401);
      const before = digest(sqliteOf(s.lifeline.store));
      ws.send({ type: 'order.send', clientRef: 'after', order: order(['330102001001']) });
      ws.send({ type: 'order.cancel', orderId: (JSON.parse(ws.texts[0]) as { orderId: string }).orderId });
      ws.send({ type: 'subscribe', since: 0 });
      await http.get('/health').expect(200); // the frames were read before this answer
      await s.lifeline.core.settle();
      expect(digest(sqliteOf(s.lifeline.store))).toBe(before);
      expect(ws.texts).toHaveLength(1);
      ws.destroy();
    } finally {
      await s.close();
    }
  });
});

describe('an error raised on a listening server', () => {
  // What Node raises when an accept fails (the process is out of file handles): with no listener,
  // an 'error' event ends the process.
  const emfile = () => Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });

  it('is logged and counted on the main server, which serves on', async () => {
    const s = await testServer();
    try {
      const count = async () => Number(/^lifeline_internal_errors_total (\d+)/m.exec(await s.lifeline.metrics.render())?.[1]);
      const before = await count();
      s.app.getHttpServer().emit('error', emfile());
      expect(await count()).toBe(before + 1);
      // A flood of them (one per refused client) is counted whole, and logged once a minute.
      const logged: string[] = [];
      const error = s.lifeline.log.error.bind(s.lifeline.log);
      s.lifeline.log.error = (m: string, f?: Record<string, unknown>) => (logged.push(m), error(m, f));
      for (let i = 0; i < 100; i++) s.app.getHttpServer().emit('error', emfile());
      expect(await count()).toBe(before + 101);
      expect(logged).toEqual([]);
      await s.advance(60_000);
      s.app.getHttpServer().emit('error', emfile());
      expect(logged).toEqual(['HTTP server error (101 in the last minute at most); serving on']);
      expect(await count()).toBe(before + 102);
      await request(s.app.getHttpServer()).get('/health').expect(200);
      const ws = await Client.open(s.url, TOKENS.console);
      await ws.close();
    } finally {
      await s.close();
    }
  });

  it('is handed to the metrics listener\'s owner, and the listener serves on', async () => {
    const errors: Error[] = [];
    const m = await listenForMetrics(new Metrics(), '127.0.0.1', 0, (e) => errors.push(e));
    try {
      m.server.emit('error', emfile());
      expect(errors.map((e) => e.message)).toEqual(['accept EMFILE']);
      expect((await fetch(`${m.url}/metrics`)).status).toBe(200);
    } finally {
      await m.close();
    }
  });
});
