import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { ALLOWED_STATUS_CHANGES, type DeliveryStatus } from '@lifeline/domain';
import { unreadSocket } from '../support/unread-socket';
import type { WebSocket } from 'ws';
import { consoleSocket } from '../../apps/router/src/ws/console.socket';
import { Client, testServer, TOKENS, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';
import { waitFor } from '../support/child';

const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const order = (over: Record<string, unknown> = {}) => ({
  priority: 'flash',
  to: { areas: ['330102001001'] },
  body: '山洪预警：请立即组织东岙村低洼地带群众向村委会高地转移。',
  summary: '山洪：立即转移',
  ackRequired: false,
  ttlS: 3600,
  ...over,
});

describe('HTTP API (e2e, supertest)', () => {
  let s: TestServer;
  beforeAll(async () => (s = await testServer()));
  afterAll(async () => s.close());

  it('answers health', async () => {
    await request(s.app.getHttpServer()).get('/health').expect(200, { status: 'ok' });
  });

  it('refuses requests without a valid token, outside the role, or outside the scope, and changes nothing', async () => {
    const http = request(s.app.getHttpServer());
    const before = (await s.lifeline.store.read.orders.list('all')).length;
    await http.post('/api/orders').send({ clientRef: 'x', order: order() }).expect(401);
    await http.post('/api/orders').set(auth('nope')).send({ clientRef: 'x', order: order() }).expect(401);
    await http.post('/api/orders').set(auth(TOKENS.drill)).send({ clientRef: 'x', order: order() }).expect(403);
    const r = await http.post('/api/orders').set(auth(TOKENS.county)).send({ clientRef: 'x', order: order({ to: { areas: ['330103'] } }) }).expect(403);
    expect(r.body.error.code).toBe('out_of_scope');
    expect((await s.lifeline.store.read.orders.list('all')).length).toBe(before);
  });

  it('rejects bad bodies with every field named, and stores nothing', async () => {
    const http = request(s.app.getHttpServer());
    const before = (await s.lifeline.store.read.orders.list('all')).length;
    const r = await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'bad', order: { priority: 'urgent', to: {}, body: 5, ttlS: -1 } }).expect(400);
    const paths = r.body.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['order.priority', 'order.to', 'order.body', 'order.ttlS']));
    await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'bad', order: order({ to: { areas: ['999999'] } }) }).expect(400);
    // Control characters and half a UTF-16 pair reach no handset: named, refused.
    for (const [body, summary] of [['立即转移\u001b[2J', '转移'], ['立即转移', '\ud800转移'], ['立即\u202e移转', '转移']]) {
      const raw = `{"clientRef":"ctl","order":{"priority":"flash","to":{"areas":["330102001001"]},"body":${JSON.stringify(body)},"summary":${JSON.stringify(summary)},"ttlS":600}}`;
      const c = await http.post('/api/orders').set(auth(TOKENS.console)).set('content-type', 'application/json').send(raw).expect(400);
      expect(c.body.error.issues).toEqual([expect.objectContaining({ path: summary === '转移' ? 'order.body' : 'order.summary', message: expect.stringMatching(/control characters or broken UTF-16/) })]);
    }
    await http.post('/api/orders/preview').set(auth(TOKENS.console)).send({ order: order({ body: '第一行\n第二行\t完' }) }).expect(200); // lines and tabs are text
    await http.post('/api/orders').set(auth(TOKENS.console)).set('content-type', 'application/json').send('{"clientRef":').expect(400);
    expect((await s.lifeline.store.read.orders.list('all')).length).toBe(before);
  });

  it('refuses unusable geofences naming what is wrong, and accepts a polygon order showing how each person was matched', async () => {
    const http = request(s.app.getHttpServer());
    const before = (await s.lifeline.store.read.orders.list('all')).length;
    const ring = [[120.7, 28.5], [120.8, 28.5], [120.8, 28.6], [120.7, 28.6]];
    const send = (to: unknown) => http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'fence-bad', order: order({ to }) });
    const issues = async (to: unknown) => (await send(to).expect(400)).body.error.issues.map((i: { path: string; message: string }) => `${i.path}: ${i.message}`);
    expect(await issues({ polygons: [{ type: 'Polygon', coordinates: [ring] }] })).toEqual([expect.stringMatching(/^order\.to\.polygons\.0\.coordinates\.0: the ring is not closed/)]);
    expect(await issues({ polygons: [{ type: 'Polygon', coordinates: [[[120.7, 28.5], [120.8, 28.6], [120.8, 28.5], [120.7, 28.6], [120.7, 28.5]]] }] })).toEqual([
      expect.stringMatching(/^order\.to\.polygons\.0\.coordinates: the polygon intersects itself near/),
    ]);
    expect(await issues({ circles: [{ center: [28.5, 120.7], radiusM: 1000 }] })).toEqual(['order.to.circles.0.center.1: expected a latitude from -90 to 90']);
    expect(await issues({ circles: [{ center: [120.7, 28.5], radiusM: 0 }] })).toEqual(['order.to.circles.0.radiusM: expected a radius in metres above 0']);
    expect((await issues({ polygons: [{ type: 'Polygon', coordinates: [Array.from({ length: 3_000 }, () => [120.7, 28.5])] }] }))[0]).toMatch(/^order\.to\.polygons\.0\.coordinates\.0: /);
    // Six circles of 2,000 points each: every one usable, too many together.
    const circleRing = (k: number) => {
      const r = Array.from({ length: 1_999 }, (_, i) => [120.5 + k / 10 + Math.cos((2 * Math.PI * i) / 1_999) / 50, 28.5 + Math.sin((2 * Math.PI * i) / 1_999) / 50]);
      return { type: 'Polygon', coordinates: [[...r, r[0]]] };
    };
    expect(await issues({ polygons: Array.from({ length: 6 }, (_, k) => circleRing(k)) })).toEqual(["order.to.polygons: at most 10000 vertices in all of an order's polygons together"]);
    expect((await s.lifeline.store.read.orders.list('all')).length).toBe(before);

    const town = (await s.lifeline.store.read.directory.areas()).find((a) => a.code === '330102003')!.geometry;
    const r = await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'fence-1', order: order({ to: { polygons: [town] } }) }).expect(202);
    const got = await http.get(`/api/orders/${r.body.orderId}?limit=1000`).set(auth(TOKENS.console)).expect(200);
    expect(got.body.to).toEqual({ polygons: [town] });
    expect(got.body.deliveries).toHaveLength(r.body.deliveries);
    expect(new Set(got.body.deliveries.map((d: { matchedBy: string }) => d.matchedBy))).toEqual(new Set(['location', 'area-shape']));
  });

  it('accepts an order, shows its deliveries with attempts, and ends them all', async () => {
    const http = request(s.app.getHttpServer());
    const r = await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'http-1', order: order() }).expect(202);
    expect(r.body).toEqual({ orderId: expect.any(String), ref: expect.stringMatching(/^[A-Z2-9]{4,6}$/), deliveries: 6 });
    const again = await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'http-1', order: order() }).expect(202);
    expect(again.body.orderId).toBe(r.body.orderId);
    await s.advance(60_000);
    const got = await http.get(`/api/orders/${r.body.orderId}`).set(auth(TOKENS.console)).expect(200);
    expect(got.body.counts).toEqual({ delivered: 6 });
    expect(got.body.deliveries).toHaveLength(6);
    expect(got.body.deliveries[0].attempts[0]).toEqual({ attempt: 1, channel: 'public', status: 'delivered', at: expect.any(String), detail: null });
    const open = await http.get('/api/orders?status=open').set(auth(TOKENS.console)).expect(200);
    expect(open.body.map((o: { orderId: string }) => o.orderId)).not.toContain(r.body.orderId);
    const events = await http.get('/api/events?since=0&limit=10000').set(auth(TOKENS.console)).expect(200);
    expect(events.body.filter((e: { orderId?: string; type: string }) => e.type === 'receipt' && e.orderId === r.body.orderId)).toHaveLength(18);
  });

  it('lists channels, the directory, and keeps a county desk to its county', async () => {
    const http = request(s.app.getHttpServer());
    const ch = await http.get('/api/channels').set(auth(TOKENS.console)).expect(200);
    expect(ch.body).toContainEqual({ channel: 'pdt', area: '330100', state: 'up', since: expect.any(String) });
    const all = await http.get('/api/directory').set(auth(TOKENS.console)).expect(200);
    expect(all.body.people).toHaveLength(500); // the demo's 500 fit in one default page of 1,000
    expect(all.body.next).toBeNull();
    const big = await http.get('/api/directory?limit=10001').set(auth(TOKENS.console)).expect(400);
    expect(big.body.error.issues).toEqual([expect.objectContaining({ path: 'limit', code: 'too_big' })]); // pages of at most 10,000
    // The city with its outline as the demo directory draws it, point for point.
    const demoCity = (parseYaml(readFileSync('config/directory.yaml', 'utf8')) as { areas: { parent: string | null }[] }).areas.find((a) => a.parent === null);
    expect(all.body.areas.find((a: { parent: string | null }) => a.parent === null)).toEqual({ code: '330100', name: '临海市', parent: null, geometry: { type: 'Polygon', coordinates: expect.any(Array) } });
    expect(all.body.areas.find((a: { parent: string | null }) => a.parent === null)).toEqual(demoCity);
    const county = await http.get('/api/directory').set(auth(TOKENS.county)).expect(200);
    expect(county.body.people.every((p: { area: string }) => p.area.startsWith('330102'))).toBe(true);
  });

  it('makes, lists and revokes tokens; a revoked token stops working at once, also on open sockets', async () => {
    const http = request(s.app.getHttpServer());
    await http.post('/api/tokens').set(auth(TOKENS.console)).send({ role: 'console', name: 'x' }).expect(403);
    await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'gateway', name: 'no channel' }).expect(400);
    const made = await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: '青山县 desk', areas: ['330103'] }).expect(201);
    const list = await http.get('/api/tokens').set(auth(TOKENS.admin)).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(made.body.token);
    const c = await Client.open(s.url, made.body.token);
    await http.delete(`/api/tokens/${made.body.id}`).set(auth(TOKENS.admin)).expect(204);
    await http.get('/api/channels').set(auth(made.body.token)).expect(401);
    await new Promise<void>((r) => (c.closed ? r() : c.ws.once('close', () => r())));
    expect(c.closed?.code).toBe(4401);
    // A county's admin makes tokens within its county only.
    const countyAdmin = (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'admin', name: '滨江县 admin', areas: ['330102'] }).expect(201)).body.token;
    const town = (await http.post('/api/tokens').set(auth(countyAdmin)).send({ role: 'console', name: 'town desk', areas: ['330102001'] }).expect(201)).body;
    for (const body of [{ role: 'console', name: 'city desk' }, { role: 'console', name: 'next county', areas: ['330103'] }, { role: 'admin', name: 'everything' }])
      expect((await http.post('/api/tokens').set(auth(countyAdmin)).send(body).expect(403)).body.error.code).toBe('out_of_scope');
    // ...and sees, revokes and reads the audit trail of the county's tokens only.
    const nextCounty = (await http.post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'console', name: '青山县 desk 2', areas: ['330103'] }).expect(201)).body;
    const listed = ((await http.get('/api/tokens').set(auth(countyAdmin)).expect(200)).body as { name: string; areas: string[] | null }[]);
    expect(listed.map((t) => t.name).sort()).toEqual(['town desk', '滨江县 admin', '滨江县 desk'].sort());
    expect(listed.every((t) => t.areas !== null && t.areas.every((a) => a.startsWith('330102')))).toBe(true);
    const refused = await http.delete(`/api/tokens/${nextCounty.id}`).set(auth(countyAdmin)).expect(404);
    expect(refused.body.error.code).toBe('not_found'); // as if it did not exist
    await http.get('/api/channels').set(auth(nextCounty.token)).expect(200); // still works
    const trail = (await http.get('/api/audit').set(auth(countyAdmin)).expect(200)).body.entries as { action: string; subject: string | null; actorName: string }[];
    expect(trail.map((e) => e.subject)).toContain(town.id);
    expect(trail.map((e) => e.subject)).not.toContain(nextCounty.id);
    expect(trail.some((e) => e.action === 'config.load')).toBe(false);
    expect((await http.get('/api/audit').set(auth(TOKENS.admin)).expect(200)).body.entries.map((e: { subject: string }) => e.subject)).toContain(nextCounty.id);
    await http.delete(`/api/tokens/${town.id}`).set(auth(countyAdmin)).expect(204);
  });

  it('injects, lists and ends outages through the drills API; bad ones are refused and change nothing', async () => {
    const http = request(s.app.getHttpServer());
    await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'flood' }).expect(400);
    const bad = await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'gateway', channel: 'fax', mode: 'down' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'unknown_channel', issues: [expect.objectContaining({ path: 'channel' })] });
    await http.post('/api/drills/outages').set(auth(TOKENS.console)).send({ kind: 'network', area: '330102' }).expect(403);
    // A duration past any date (it once stored the outage, answered 500, and broke the list for everyone).
    const forever = await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'network', area: '330102', durationS: 9_000_000_000_000 }).expect(400);
    expect(forever.body.error.issues).toEqual([expect.objectContaining({ path: 'durationS', code: 'too_big' })]);
    expect((await http.get('/api/drills/outages').set(auth(TOKENS.drill)).expect(200)).body).toEqual([]);

    const made = await http.post('/api/drills/outages').set(auth(TOKENS.drill)).send({ kind: 'network', area: '330102', durationS: 600 }).expect(201);
    expect(made.body).toMatchObject({ outageId: expect.any(String), kind: 'network', area: '330102' });
    const channels = (await http.get('/api/channels').set(auth(TOKENS.admin)).expect(200)).body as { channel: string; area: string; state: string }[];
    expect(channels).toContainEqual(expect.objectContaining({ channel: 'public', area: '330102', state: 'down' }));
    const listed = (await http.get('/api/drills/outages').set(auth(TOKENS.drill)).expect(200)).body;
    expect(listed).toEqual([expect.objectContaining({ outageId: made.body.outageId, active: true })]);

    await http.delete(`/api/drills/outages/${made.body.outageId}`).set(auth(TOKENS.drill)).expect(200);
    await http.delete('/api/drills/outages/nope').set(auth(TOKENS.drill)).expect(404);
    const after = (await http.get('/api/drills/outages').set(auth(TOKENS.drill)).expect(200)).body;
    expect(after).toEqual([expect.objectContaining({ outageId: made.body.outageId, active: false })]);
  });

  it('serves Prometheus metrics to a metrics token', async () => {
    await request(s.app.getHttpServer()).get('/metrics').expect(401);
    await request(s.app.getHttpServer()).get('/metrics').set(auth(TOKENS.console)).expect(403);
    // An admin of one county does not read the city's metrics (channel states of every area).
    const countyAdmin = (await request(s.app.getHttpServer()).post('/api/tokens').set(auth(TOKENS.admin)).send({ role: 'admin', name: 'county admin', areas: ['330102'] }).expect(201)).body.token;
    await request(s.app.getHttpServer()).get('/metrics').set(auth(countyAdmin)).expect(403);
    const m = await request(s.app.getHttpServer()).get('/metrics').set(auth(TOKENS.metrics)).expect(200);
    expect(m.text).toMatch(/lifeline_receipts_total\{status="delivered",channel="public"\} \d+/);
    expect(m.text).toMatch(/lifeline_accept_to_first_send_seconds_bucket\{le="[\d.]+",channel="public",priority="flash"\} \d+/);
    expect(m.text).toMatch(/lifeline_send_to_delivered_seconds_count\{channel="public"\} [1-9]/);
    expect(m.text).toMatch(/lifeline_requests_rejected_total\{transport="http",code="unauthorized"\} [1-9]/);
    expect(m.text).toMatch(/^lifeline_orders_open \d+$/m);
    expect(m.text).toMatch(/^process_cpu_seconds_total /m);
    expect(m.text).not.toMatch(/process_process|lifeline_process_/);
  });
});

describe('console WebSocket (e2e)', () => {
  let s: TestServer;
  beforeEach(async () => (s = await testServer({ tweak: (c) => c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)) })));
  afterEach(async () => s.close());

  it('refuses an upgrade without a token', async () => {
    await expect(Client.open(s.url, null)).rejects.toThrow(/401/);
  });

  it('closes a console that subscribes again and again without reading, before it holds more than 16 MB for it', async () => {
    const a = await s.lifeline.core.orders.accept({ id: 'c', role: 'admin', areas: null, channel: null }, 'unread-1', order({ to: { areas: ['330100'] }, ackWithinS: 600 }) as never);
    await s.advance(60_000); // a stream of receipts to replay
    expect(a.deliveries).toBeGreaterThan(100);
    // A socket whose client never reads: what is sent stays buffered, as over a stalled TCP window.
    const ws = unreadSocket();
    consoleSocket(s.lifeline)(ws as unknown as WebSocket, { id: 'c', role: 'console', areas: null, channel: null });
    for (let i = 0; i < 2_000 && ws.readyState === 1; i++) {
      ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', since: 0 })), false);
      await new Promise((r) => setImmediate(r));
    }
    await turnsUntil(() => ws.closedWith !== null, 'the too-slow close');
    expect(ws.closedWith).toBe(1008);
    await waitFor(async () => ws.readyState === 3, 'the socket and its buffer gone, a second later');
    expect(ws.bufferedAmount).toBeLessThan(20 * 1024 * 1024); // 16 MB and the page that crossed it
  });

  it('accepts an order after commit, streams receipts in allowed order, and a replay equals the live stream', async () => {
    const c = await Client.open(s.url, TOKENS.console);
    c.send({ type: 'subscribe' });
    await new Promise((r) => setImmediate(r));
    c.send({ type: 'order.send', clientRef: 'ws-1', order: order({ ackRequired: true, ackWithinS: 300 }) });
    const accepted = await c.next((f) => f.type === 'order.accepted');
    expect(accepted).toEqual({ type: 'order.accepted', clientRef: 'ws-1', orderId: expect.any(String), ref: expect.any(String), deliveries: 6, seq: expect.any(Number) });
    expect((await s.lifeline.store.read.orders.get(accepted.orderId as string))).toBeDefined();
    await s.advance(60_000);
    const person = (await s.lifeline.store.read.deliveries.ofOrder(accepted.orderId as string))[0].personId;
    await request(s.app.getHttpServer()).post(`/api/sim/people/${person}/reply`).set(auth(TOKENS.drill)).send({ orderId: accepted.orderId }).expect(202);
    await s.advance(1_000);
    await c.next((f) => f.type === 'receipt' && f.status === 'acknowledged');
    // The order.accepted answer and the same event on the stream share a seq: count it once.
    const live = c.frames.filter((f, i, all) => typeof f.seq === 'number' && all.findIndex((g) => g.seq === f.seq) === i);
    // Each delivery's receipts follow the allowed status changes.
    const last = new Map<string, DeliveryStatus | 'new'>();
    for (const f of live.filter((x) => x.type === 'receipt')) {
      const prev = last.get(f.deliveryId as string) ?? 'new';
      expect(ALLOWED_STATUS_CHANGES[prev]).toContain(f.status);
      last.set(f.deliveryId as string, f.status as DeliveryStatus);
    }
    const seqs = live.map((f) => f.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // A second console replays from before the order: the same frames, same order.
    const replay = await Client.open(s.url, TOKENS.console);
    replay.send({ type: 'subscribe', since: seqs[0] - 1 });
    await replay.next((f) => f.seq === seqs[seqs.length - 1]);
    expect(replay.frames.filter((f) => (f.seq as number) <= seqs[seqs.length - 1])).toEqual(live);
    await c.close();
    await replay.close();
  });

  it('answers malformed frames with an error and keeps the connection open', async () => {
    const c = await Client.open(s.url, TOKENS.console);
    c.send('{not json');
    expect((await c.next((f) => f.type === 'error')).error).toMatchObject({ code: 'bad_frame' });
    c.send({ type: 'order.send', clientRef: 'bad-1', order: { priority: 'flash' } });
    const rejected = await c.next((f) => f.type === 'order.rejected');
    expect(rejected.clientRef).toBe('bad-1');
    expect(JSON.stringify(rejected.error)).toContain('order.to');
    c.send({ type: 'order.send', clientRef: 'ok-1', order: order() });
    await c.next((f) => f.type === 'order.accepted' && f.clientRef === 'ok-1');
    expect(c.closed).toBeNull();
    await c.close();
  });

  it('returns the same order for the same clientRef from the same console', async () => {
    const c = await Client.open(s.url, TOKENS.console);
    c.send({ type: 'order.send', clientRef: 'dup', order: order() });
    const first = await c.next((f) => f.type === 'order.accepted');
    c.send({ type: 'order.send', clientRef: 'dup', order: order() });
    await c.next((f) => f.type === 'order.accepted' && f !== first);
    const both = c.frames.filter((f) => f.type === 'order.accepted');
    expect(both[1].orderId).toBe(first.orderId);
    expect((await s.lifeline.store.read.orders.list('all'))).toHaveLength(1);
    await c.close();
  });

  it('cancels an order over the socket', async () => {
    for (const sim of s.lifeline.sims.values()) sim.disconnect();
    const c = await Client.open(s.url, TOKENS.console);
    c.send({ type: 'subscribe' });
    c.send({ type: 'order.send', clientRef: 'cx', order: order() });
    const a = await c.next((f) => f.type === 'order.accepted');
    await s.advance(1_000);
    c.send({ type: 'order.cancel', orderId: a.orderId });
    const done = await c.next((f) => f.type === 'order.cancelled');
    expect(done.deliveries).toBe(6);
    await s.advance(0);
    expect((await s.lifeline.store.read.deliveries.countsByStatus(a.orderId as string))).toEqual({ cancelled: 6 });
    await c.close();
  });
});

describe('gateway WebSocket (e2e)', () => {
  let s: TestServer;
  beforeEach(async () => (s = await testServer({ simulators: 'none' })));
  afterEach(async () => s.close());

  it('takes a hardware gateway through hello, send, accepted, delivered; refuses bad frames', async () => {
    const gw = await Client.open(s.url, TOKENS.pdt, '/gateway');
    gw.send({ type: 'accepted', attemptId: 'x#1' });
    expect((await gw.next((f) => f.type === 'error')).error).toMatchObject({ code: 'no_hello' });
    gw.send({ type: 'hello', gatewayId: 'radio-1', channel: 'public', areas: ['330100'], window: 4 });
    expect((await gw.next((f) => f.type === 'error' && (f.error as { code: string }).code === 'wrong_channel'))).toBeTruthy();
    gw.send({ type: 'hello', gatewayId: 'radio-1', channel: 'pdt', areas: ['330100'], window: 4 });
    gw.send({ type: 'health', state: 'sideways', areas: [] });
    await gw.next((f) => f.type === 'error' && (f.error as { code: string }).code === 'bad_frame');
    await s.advance(0);
    const a = await s.lifeline.core.orders.accept({ id: 'c', role: 'admin', areas: null, channel: null }, 'gw-1', {
      priority: 'flash', to: { areas: ['330102001'], roles: ['town-official'] }, body: '请各镇干部立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600,
    });
    await s.advance(0);
    const first = await gw.next((f) => f.type === 'send');
    expect(first).toMatchObject({ orderId: a.orderId, ref: a.ref, priority: 'flash', text: expect.stringContaining(`[${a.ref}]`) });
    // The window is 4: no more than 4 sends without an answer.
    expect(gw.frames.filter((f) => f.type === 'send')).toHaveLength(4);
    for (const f of gw.frames.filter((x) => x.type === 'send')) {
      gw.send({ type: 'accepted', attemptId: f.attemptId });
      gw.send({ type: 'delivered', attemptId: f.attemptId });
    }
    gw.send({ type: 'delivered', attemptId: 'o-forged:p-000001#1' });
    await s.advance(0);
    await gw.next((f) => f.type === 'send' && !gw.frames.slice(0, 4).includes(f));
    const counts = (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId));
    expect(counts.delivered).toBe(4);
    await gw.close();
  });
});
