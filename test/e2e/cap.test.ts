import { readFileSync } from 'node:fs';
import request from 'supertest';
import { readCap, readGbt, readXml } from '@lifeline/cap';
import { xsdCheck } from '../support/cap-xsd';
import { testServer, TOKENS, type TestServer } from '../support/server';

/**
 * CAP 1.2 in (POST /api/cap): alerts made by other systems become orders, updates supersede them,
 * cancels stop them, repeats change nothing, and hostile XML is refused at the socket's door.
 */

const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const CAP = 'application/cap+xml';
/** CAP's date-time: seconds and an explicit offset (Beijing time). */
const capTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');

/** Part of the demo city (its south-west), latitude first as CAP writes it: most of 沙头镇 and a corner of 石门镇, in 滨江县 330102. */
const WEST = '28.5,120.7 28.5,121.0 28.8,121.0 28.8,120.7 28.5,120.7';

function alertXml(o: { id: string; now: number; msgType?: string; references?: string; infos?: string[]; status?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${o.id}</identifier>
  <sender>zj-flood@example.gov.cn</sender>
  <sent>${capTime(o.now)}</sent>
  <status>${o.status ?? 'Actual'}</status>
  <msgType>${o.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>
  ${o.references ? `<references>${o.references}</references>` : ''}
  ${(o.infos ?? [info({ now: o.now })]).join('\n')}
</alert>`;
}

function info(o: { now: number; language?: string; area?: string; responseType?: string; severity?: string; instruction?: string }): string {
  return `<info>
    <language>${o.language ?? 'zh-CN'}</language>
    <category>Met</category>
    <event>山洪</event>
    <responseType>${o.responseType ?? 'Evacuate'}</responseType>
    <urgency>Immediate</urgency>
    <severity>${o.severity ?? 'Extreme'}</severity>
    <certainty>Observed</certainty>
    <expires>${capTime(o.now + 6 * 3_600_000)}</expires>
    <headline>山洪红色预警</headline>
    <instruction>${o.instruction ?? '山洪即将到达，围栏内群众请立即向高处转移。'}</instruction>
    ${o.area ?? `<area><areaDesc>滨江县西部</areaDesc><polygon>${WEST}</polygon></area>`}
  </info>`;
}

describe('CAP 1.2 in (e2e)', () => {
  let s: TestServer;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    s = await testServer({
      tweak: (c) => {
        c.channels.forEach((ch) => (ch.simulator.replyProbability = 0));
        // A blue warning read as Extreme (the default reads it Minor): the GB/T chain test sees it.
        c.cap.gbt35965.severities.Blue = 'Extreme';
      },
    });
    http = request(s.app.getHttpServer());
  });
  afterAll(async () => s.close());

  const post = (xml: string, token = TOKENS.console, type = CAP) => http.post('/api/cap').set(auth(token)).set('content-type', type).send(xml);
  const orderCount = async () => (await s.lifeline.store.read.orders.list('all', 10_000)).length;

  it('makes an order of a polygon alert that reaches exactly the people inside, linked back to its alert; a repeat changes nothing', async () => {
    const xml = alertXml({ id: 'flood-1', now: s.clock.now() });
    const r = await post(xml).expect(202);
    expect(r.body).toMatchObject({ alert: { sender: 'zj-flood@example.gov.cn', identifier: 'flood-1', msgType: 'Alert' }, cancelled: [], skipped: [], replayed: false });
    expect(r.body.orders).toHaveLength(1);
    // The same fence as a JSON order reaches the same people.
    const ring = WEST.split(' ').map((p) => p.split(',').map(Number).reverse());
    const same = await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'cap-twin', order: { priority: 'flash', to: { polygons: [{ type: 'Polygon', coordinates: [ring] }] }, body: 'x' } }).expect(202);
    expect(r.body.orders[0].deliveries).toBe(same.body.deliveries);
    const view = (await http.get(`/api/orders/${r.body.orders[0].orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body;
    expect(view).toMatchObject({ priority: 'flash', ackRequired: true, summary: '山洪红色预警', body: '山洪即将到达，围栏内群众请立即向高处转移。', ttlS: 6 * 3600 });
    expect(view.alert).toEqual({ sender: 'zj-flood@example.gov.cn', identifier: 'flood-1', sent: expect.any(String), msgType: 'Alert', info: 0, area: 0 });
    const twin = (await http.get(`/api/orders/${same.body.orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body;
    expect(new Set(view.deliveries.map((d: { personId: string }) => d.personId))).toEqual(new Set(twin.deliveries.map((d: { personId: string }) => d.personId)));

    const before = await orderCount();
    const again = await post(xml).expect(202);
    expect(again.body).toEqual({ ...r.body, replayed: true });
    expect(await orderCount()).toBe(before);
    const changed = await post(xml.replace('围栏内群众', '全体群众')).expect(409);
    expect(changed.body.error.code).toBe('conflict');
    expect(await orderCount()).toBe(before);
  });

  it('supersedes with an Update (no one who answered is asked again) and stops with a Cancel', async () => {
    const now = s.clock.now();
    const first = (await post(alertXml({ id: 'flood-2', now })).expect(202)).body.orders[0];
    await s.advance(60_000);
    const deliveries = (await http.get(`/api/orders/${first.orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body.deliveries as { personId: string }[];
    const answered = deliveries.slice(0, 3).map((d) => d.personId);
    for (const person of answered) await http.post(`/api/sim/people/${person}/reply`).set(auth(TOKENS.drill)).send({ orderId: first.orderId }).expect(202);
    await s.advance(60_000);
    const counts = (await http.get(`/api/orders/${first.orderId}`).set(auth(TOKENS.console))).body.counts;
    expect(counts.acknowledged).toBe(3);

    const update = alertXml({ id: 'flood-2b', now: s.clock.now(), msgType: 'Update', references: `zj-flood@example.gov.cn,flood-2,${capTime(now)}`, infos: [info({ now: s.clock.now(), instruction: '洪峰提前，立即转移。' })] });
    const u = (await post(update).expect(202)).body;
    expect(u.orders).toHaveLength(1);
    expect(u.orders[0].deliveries).toBe(first.deliveries - 3);
    expect(u.cancelled).toEqual([{ orderId: first.orderId, cancelled: first.deliveries - 3 }]);
    const renewed = (await http.get(`/api/orders/${u.orders[0].orderId}?limit=10000`).set(auth(TOKENS.console))).body;
    expect(renewed.deliveries.map((d: { personId: string }) => d.personId)).not.toEqual(expect.arrayContaining([answered[0]]));
    expect((await http.get(`/api/orders/${first.orderId}`).set(auth(TOKENS.console))).body.counts).toEqual({ acknowledged: 3, cancelled: first.deliveries - 3 });

    const cancel = alertXml({ id: 'flood-2c', now: s.clock.now(), msgType: 'Cancel', references: `zj-flood@example.gov.cn,flood-2b,${capTime(now)}`, infos: [] });
    const c = (await post(cancel).expect(202)).body;
    expect(c).toMatchObject({ orders: [], cancelled: [{ orderId: u.orders[0].orderId, cancelled: expect.any(Number) }] });
    await s.advance(1_000);
    const after = (await http.get(`/api/orders/${u.orders[0].orderId}`).set(auth(TOKENS.console))).body;
    expect(after.open).toBe(0);
  });

  it('follows a chain of updates (24 h, 6 h, 2 h): whoever answered any earlier one is not asked again, and a Cancel at the end stops the live orders', async () => {
    const sender = 'zj-flood@example.gov.cn';
    const ids = { a: 'chain-24h', b: 'chain-6h', c: 'chain-2h', x: 'chain-cancel' };
    const sent: Record<string, string> = {};
    const send = async (id: string, msgType = 'Alert', ref?: string) => {
      sent[id] = capTime(s.clock.now());
      const xml = alertXml({ id, now: s.clock.now(), msgType, references: ref && `${sender},${ref},${sent[ref]}`, infos: msgType === 'Cancel' ? [] : undefined });
      return (await post(xml).expect(202)).body;
    };
    const people = async (orderId: string) =>
      ((await http.get(`/api/orders/${orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body.deliveries as { personId: string }[]).map((d) => d.personId);
    const answer = async (orderId: string, persons: string[]) => {
      for (const person of persons) await http.post(`/api/sim/people/${person}/reply`).set(auth(TOKENS.drill)).send({ orderId }).expect(202);
      await s.advance(60_000);
    };

    const a = (await send(ids.a)).orders[0];
    await s.advance(60_000);
    const answeredA = (await people(a.orderId)).slice(0, 3);
    await answer(a.orderId, answeredA);
    const b = (await send(ids.b, 'Update', ids.a)).orders[0];
    expect(b.deliveries).toBe(a.deliveries - 3);
    await s.advance(60_000);
    const answeredB = (await people(b.orderId)).slice(0, 2);
    await answer(b.orderId, answeredB);
    // C names only B, as a sender's next grade does; the people who answered A are still left out.
    const c = (await send(ids.c, 'Update', ids.b)).orders[0];
    expect(c.deliveries).toBe(a.deliveries - 5);
    const inC = new Set(await people(c.orderId));
    for (const person of [...answeredA, ...answeredB]) expect(inC.has(person)).toBe(false);

    const x = await send(ids.x, 'Cancel', ids.c);
    expect(x).toMatchObject({ orders: [], cancelled: [{ orderId: c.orderId, cancelled: c.deliveries }] });
    await s.advance(1_000);
    for (const o of [a, b, c]) expect((await http.get(`/api/orders/${o.orderId}`).set(auth(TOKENS.console))).body.open).toBe(0);
  });

  it('stops the whole warning when a Cancel names only its first alert: the updates that carried it on are cancelled too', async () => {
    const sender = 'zj-flood@example.gov.cn';
    const first = capTime(s.clock.now());
    const a = (await post(alertXml({ id: 'fwd-1', now: s.clock.now() })).expect(202)).body.orders[0];
    await s.advance(60_000);
    const update = alertXml({ id: 'fwd-2', now: s.clock.now(), msgType: 'Update', references: `${sender},fwd-1,${first}` });
    const b = (await post(update).expect(202)).body.orders[0];
    await s.advance(60_000);
    const cancel = alertXml({ id: 'fwd-3', now: s.clock.now(), msgType: 'Cancel', references: `${sender},fwd-1,${first}`, infos: [] });
    const x = (await post(cancel).expect(202)).body;
    expect(x.cancelled.map((c: { orderId: string }) => c.orderId).sort()).toEqual([a.orderId, b.orderId].sort());
    await s.advance(1_000);
    for (const o of [a, b]) expect((await http.get(`/api/orders/${o.orderId}`).set(auth(TOKENS.console))).body.open).toBe(0);
  });

  it('ends the orders of the alert it updates when the Update itself reaches nobody here (its area moved away)', async () => {
    const now = s.clock.now();
    const first = (await post(alertXml({ id: 'flood-5', now })).expect(202)).body.orders[0];
    const away = '<area><areaDesc>远离本地</areaDesc><polygon>10,10 10,11 11,11 11,10 10,10</polygon></area>';
    const update = alertXml({ id: 'flood-5b', now: s.clock.now(), msgType: 'Update', references: `zj-flood@example.gov.cn,flood-5,${capTime(now)}`, infos: [info({ now: s.clock.now(), area: away })] });
    const u = (await post(update).expect(202)).body;
    expect(u).toMatchObject({ orders: [], cancelled: [{ orderId: first.orderId, cancelled: first.deliveries }], skipped: [{ info: 0, area: 0, reason: expect.stringMatching(/nobody/) }] });
    await s.advance(1_000);
    expect((await http.get(`/api/orders/${first.orderId}`).set(auth(TOKENS.console))).body.open).toBe(0);
  });

  it('targets by division codes, in the preferred language, and says what it could not target', async () => {
    const now = s.clock.now();
    const area = (codes: string[]) => `<area><areaDesc>沙头镇</areaDesc>${codes.map((c) => `<geocode><valueName>GB/T 2260</valueName><value>${c}</value></geocode>`).join('')}</area>`;
    const xml = alertXml({
      id: 'typhoon-1', now,
      infos: [
        info({ now, language: 'en-US', area: area(['330102001000']), instruction: 'Evacuate now.' }),
        info({ now, area: area(['330102001000', '110101000000']) }),
        info({ now, area: '<area><areaDesc>海上</areaDesc><geocode><valueName>SAME</valueName><value>006109</value></geocode></area>' }),
      ],
    });
    const r = (await post(xml).expect(202)).body;
    expect(r.orders).toEqual([expect.objectContaining({ info: 1, area: 0, areaDesc: '沙头镇' })]);
    expect(r.skipped).toEqual([
      { info: 0, area: null, reason: 'language en-US: orders are made from the zh-CN info' },
      { info: 2, area: 0, reason: expect.stringMatching(/no geocode this router reads \(SAME=006109\)/) },
    ]);
    const view = (await http.get(`/api/orders/${r.orders[0].orderId}`).set(auth(TOKENS.console))).body;
    expect(view.to).toEqual({ areas: ['330102001'] }); // 110101 (Beijing) is not in this directory: left out
  });

  it("follows the README's walkthrough: alert, update, cancel", async () => {
    const file = (name: string) => readFileSync(`docs/examples/cap-flood-${name}.xml`, 'utf8');
    const alert = (await post(file('alert')).expect(202)).body;
    expect(alert.orders).toHaveLength(1);
    expect(alert.skipped).toEqual([{ info: 1, area: null, reason: 'language en-US: orders are made from the zh-CN info' }]);
    const update = (await post(file('update')).expect(202)).body;
    expect(update.orders[0].deliveries).toBeGreaterThan(alert.orders[0].deliveries);
    expect(update.cancelled).toEqual([{ orderId: alert.orders[0].orderId, cancelled: alert.orders[0].deliveries }]);
    const cancel = (await post(file('cancel')).expect(202)).body;
    expect(cancel.cancelled).toEqual([{ orderId: update.orders[0].orderId, cancelled: expect.any(Number) }]);
  });

  it('writes orders out as CAP 1.2: an alert-made order carries its info and area back, any other is described from its fields', async () => {
    const now = s.clock.now();
    const xml = alertXml({ id: 'out-1', now });
    const made = (await post(xml).expect(202)).body.orders[0];
    const got = await http.get(`/api/orders/${made.orderId}/cap`).set(auth(TOKENS.console)).expect(200).expect('content-type', /application\/cap\+xml/);
    const out = readCap(got.text);
    const source = readCap(xml);
    expect(out).toMatchObject({ identifier: made.orderId, sender: 'lifeline.local', msgType: 'Alert', status: 'Actual', references: [{ sender: source.sender, identifier: 'out-1', sent: source.sent }] });
    expect(out.infos).toEqual(source.infos); // in, order, out: the same info and area

    const order = { priority: 'flash', to: { areas: ['330102001'], polygons: [{ type: 'Polygon', coordinates: [[[121.3, 28.9], [121.4, 28.9], [121.4, 29.0], [121.3, 28.9]]] }], circles: [{ center: [121.5, 29.1], radiusM: 2500 }] }, body: '台风登陆，立即转移', summary: '台风转移令', ackRequired: true, ttlS: 3600 };
    const own = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'cap-out-own', order }).expect(202)).body;
    const written = readCap((await http.get(`/api/orders/${own.orderId}/cap`).set(auth(TOKENS.console)).expect(200)).text);
    expect(written.infos[0]).toMatchObject({ urgency: 'Immediate', severity: 'Extreme', headline: '台风转移令', instruction: '台风登陆，立即转移', expires: expect.stringMatching(/\+08:00$/) });
    expect(written.infos[0].areas[0]).toEqual({
      areaDesc: '沙头镇、geofence',
      polygons: [order.to.polygons[0].coordinates[0]],
      circles: [{ center: [121.5, 29.1], radiusKm: 2.5 }],
      geocodes: [{ valueName: 'GB/T 2260', value: '330102001000' }],
    });

    await http.post(`/api/orders/${own.orderId}/cancel`).set(auth(TOKENS.console)).expect(202);
    const cancelled = readCap((await http.get(`/api/orders/${own.orderId}/cap`).set(auth(TOKENS.console)).expect(200)).text);
    expect(cancelled).toMatchObject({ identifier: `${own.orderId}.cancel`, msgType: 'Cancel', references: [{ identifier: own.orderId }] });
    const elsewhere = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'cap-out-elsewhere', order: { ...order, to: { areas: ['330103001'] } } }).expect(202)).body;
    await http.get(`/api/orders/${elsewhere.orderId}/cap`).set(auth(TOKENS.county)).expect(404); // another county's, as if absent

    const feed = readXml((await http.get('/api/cap/feed').set(auth(TOKENS.console)).expect(200).expect('content-type', /application\/atom\+xml/)).text);
    const links = feed.children.filter((e) => e.name === 'entry').map((e) => e.children.find((c) => c.name === 'link')!.attributes.href);
    expect(links).toContain(`http://${new URL(s.url).host}/api/orders/${made.orderId}/cap`);
    expect(links.some((l) => l.includes(own.orderId))).toBe(false); // cancelled: no longer active
    const countyFeed = readXml((await http.get('/api/cap/feed').set(auth(TOKENS.county)).expect(200)).text);
    expect(countyFeed.children.filter((e) => e.name === 'entry').length).toBeLessThan(links.length);
  });

  it('takes GB/T 35965.1 warnings in and writes orders out in it: in, order, out compare', async () => {
    const xml = readFileSync('test/fixtures/gbt35965/typhoon-red.xml', 'utf8');
    const r = (await http.post('/api/gbt35965').set(auth(TOKENS.console)).set('content-type', 'application/xml').send(xml).expect(202)).body;
    expect(r.orders.map((o: { areaDesc: string }) => o.areaDesc)).toEqual(['滨江县沙头镇', '沿海围栏']);
    const source = readGbt(xml);
    for (const made of r.orders) {
      const view = (await http.get(`/api/orders/${made.orderId}`).set(auth(TOKENS.console))).body;
      expect(view).toMatchObject({ priority: 'flash', summary: '临海市气象台发布台风红色预警信号', body: '沿海乡镇立即组织人员转移，渔船回港避风。' });
      const out = readGbt((await http.get(`/api/orders/${made.orderId}/gbt35965`).set(auth(TOKENS.console)).expect(200).expect('content-type', /application\/xml/)).text);
      expect(out.identifier).toMatch(/^33010000000000_\d{14}_\d$/);
      expect(out.references).toEqual([{ sender: source.sender, identifier: source.identifier, sent: source.sent }]);
      expect(out.infos).toEqual([{ ...source.infos[0], areas: [source.infos[0].areas[made.area]] }]);
    }
    // The same warning as CAP 1.2 carries the same info: one model, two formats.
    expect(readCap((await http.get(`/api/orders/${r.orders[0].orderId}/cap`).set(auth(TOKENS.console))).text).infos[0].headline).toBe(source.infos[0].headline);
    expect((await http.post('/api/gbt35965').set(auth(TOKENS.console)).set('content-type', 'application/xml').send(xml).expect(202)).body.replayed).toBe(true);

    const own = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'gbt-own', order: { priority: 'immediate', to: { areas: ['330102002'] }, body: '暴雨转移' } }).expect(202)).body;
    const written = readGbt((await http.get(`/api/orders/${own.orderId}/gbt35965`).set(auth(TOKENS.console)).expect(200)).text);
    expect(written.infos[0]).toMatchObject({ severity: 'Severe', eventCodes: [{ valueName: 'GB/T 35561', value: '11B00' }], areas: [{ geocodes: [{ valueName: 'GB/T 2260', value: '330102002000' }] }] });
    await http.post(`/api/orders/${own.orderId}/cancel`).set(auth(TOKENS.console)).expect(202);
    const cancel = readGbt((await http.get(`/api/orders/${own.orderId}/gbt35965`).set(auth(TOKENS.console)).expect(200)).text);
    expect(cancel).toMatchObject({ msgType: 'Cancel', references: [{ identifier: written.identifier }] });
    expect(cancel.identifier).not.toBe(written.identifier);
  });

  it('numbers GB/T 35965.1 messages past ten in one second into the next second: no two identifiers alike', async () => {
    // The router's clock stands still here: every order below is made in the same second.
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const own = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: `gbt-burst-${i}`, order: { priority: 'immediate', to: { areas: ['330102002'] }, body: '暴雨转移' } }).expect(202)).body;
      ids.push(readGbt((await http.get(`/api/orders/${own.orderId}/gbt35965`).set(auth(TOKENS.console)).expect(200)).text).identifier);
    }
    expect(new Set(ids).size).toBe(12);
    expect(ids.every((id) => /^33010000000000_\d{14}_\d$/.test(id))).toBe(true);
  });

  it('follows a GB/T 35965.1 chain: the red typhoon warning, its update to orange for one town, and its cancel; colours by the configured severities', async () => {
    const gbt = (xml: string) => http.post('/api/gbt35965').set(auth(TOKENS.console)).set('content-type', 'application/xml').send(xml).expect(202);
    const file = (name: string) => readFileSync(`test/fixtures/gbt35965/${name}.xml`, 'utf8');
    const red = (await gbt(file('typhoon-red'))).body; // a repeat if the test above ran: the same receipt
    const town = red.orders.find((o: { areaDesc: string }) => o.areaDesc === '滨江县沙头镇');
    await s.advance(60_000);

    // GB/T 35965.1 has no responseType: its orders ask for no answer, so the update reaches the whole town again.
    const update = (await gbt(file('typhoon-orange-update'))).body;
    expect(update.orders).toEqual([expect.objectContaining({ areaDesc: '滨江县沙头镇', deliveries: town.deliveries })]);
    expect(update.cancelled.map((c: { orderId: string }) => c.orderId).sort()).toEqual(red.orders.map((o: { orderId: string }) => o.orderId).sort());
    const view = (await http.get(`/api/orders/${update.orders[0].orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body;
    expect(view).toMatchObject({ priority: 'immediate', summary: '临海市气象台将台风红色预警信号降级为橙色', alert: { identifier: '33010041600000_20260701190000_0', msgType: 'Update' } });
    const out = (await http.get(`/api/orders/${update.orders[0].orderId}/gbt35965`).set(auth(TOKENS.console)).expect(200)).text;
    expect(readGbt(out).infos).toEqual(readGbt(file('typhoon-orange-update')).infos);
    expect(out).toContain('<severity>Orange</severity>');

    const cancel = (await gbt(file('typhoon-cancel'))).body;
    expect(cancel).toMatchObject({ orders: [], cancelled: [{ orderId: update.orders[0].orderId, cancelled: update.orders[0].deliveries }] });
    await s.advance(1_000);
    for (const id of [...red.orders.map((o: { orderId: string }) => o.orderId), update.orders[0].orderId])
      expect((await http.get(`/api/orders/${id}`).set(auth(TOKENS.console))).body.open).toBe(0);

    // Blue read as Extreme by this server's config: a flash order, written back as the gravest colour of Extreme.
    const blue = file('typhoon-red').replace('<severity>Red', '<severity>Blue').replace(/20260701163000_0/, '20260701163000_1');
    const b = (await gbt(blue)).body.orders[0];
    expect((await http.get(`/api/orders/${b.orderId}`).set(auth(TOKENS.console))).body.priority).toBe('flash');
    expect((await http.get(`/api/orders/${b.orderId}/gbt35965`).set(auth(TOKENS.console)).expect(200)).text).toContain('<severity>Red</severity>');
  });

  it('reads the examples of the specification, and refuses those that reach nobody here', async () => {
    // Californian polygons and SAME codes, a nationwide area, an epicentre of radius 0: nothing here.
    for (const name of ['thunderstorm', 'homeland-security', 'amber-multilingual', 'earthquake-update']) {
      const r = await post(readFileSync(`test/fixtures/cap/${name}.xml`, 'utf8')).expect(400);
      expect(r.body.error.code).toBe('no_recipients');
    }
  });

  it('refuses hostile or wrong bodies with a clear error and changes nothing', async () => {
    const before = await orderCount();
    const now = s.clock.now();
    const xxe = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>${alertXml({ id: '&x;', now }).replace(/^<\?xml[^>]*>/, '')}`;
    expect((await post(xxe).expect(400)).body.error.message).toMatch(/document type declaration/);
    expect((await post(alertXml({ id: 'test-1', now, status: 'Test' })).expect(400)).body.error.issues).toEqual([{ path: 'alert.status', message: 'expected Actual, got Test', code: 'invalid' }]);
    expect((await post(alertXml({ id: 'bad geo', now })).expect(400)).body.error.issues).toEqual([{ path: 'alert.identifier', message: 'expected no spaces, commas, < or &', code: 'invalid' }]);
    const bowTie = info({ now, area: '<area><areaDesc>x</areaDesc><polygon>28.5,120.7 28.8,121.0 28.5,121.0 28.8,120.7 28.5,120.7</polygon></area>' });
    expect((await post(alertXml({ id: 'bow', now, infos: [bowTie] })).expect(400)).body.error.issues[0]).toMatchObject({ path: 'alert.info.0.area.0.polygon.0', message: expect.stringMatching(/intersects itself/) });
    expect((await post(JSON.stringify({ alert: 1 }), TOKENS.console, 'application/json').expect(415)).body.error.code).toBe('unsupported_media_type');
    expect((await post(`<a>${'x'.repeat(1_100_000)}</a>`).expect(413)).body.error.code).toBe('too_large');
    expect((await post('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>').expect(400)).body.error.code).toBe('invalid');
    await post(alertXml({ id: 'drill-1', now }), TOKENS.drill).expect(403);
    expect(await orderCount()).toBe(before);
    await http.get('/health').expect(200);
  });

  it('writes only CAP 1.2 that the schema takes (libxml2 with libs/cap/schema/cap-1.2.xsd): every order, and every entry of the feed', async () => {
    if ((await orderCount()) === 0) await post(alertXml({ id: 'schema-1', now: s.clock.now() })).expect(202);
    const orders = await s.lifeline.store.read.orders.list('all', 10_000);
    const written = await Promise.all(orders.map(async (o) => (await http.get(`/api/orders/${o.id}/cap`).set(auth(TOKENS.admin)).expect(200)).text));
    const feed = readXml((await http.get('/api/cap/feed').set(auth(TOKENS.admin)).expect(200)).text);
    const entries = feed.children.filter((e) => e.name === 'entry').map((e) => new URL(e.children.find((c) => c.name === 'link')!.attributes.href).pathname);
    expect(entries.length).toBeGreaterThan(0);
    const fromFeed = await Promise.all(entries.map(async (path) => (await http.get(path).set(auth(TOKENS.admin)).expect(200)).text));
    // And the README's walkthrough alerts, as a sender would write them.
    const examples = ['alert', 'update', 'cancel'].map((n) => readFileSync(`docs/examples/cap-flood-${n}.xml`, 'utf8'));
    const names = [...orders.map((o) => o.id), ...entries, 'docs/examples/cap-flood-alert.xml', 'docs/examples/cap-flood-update.xml', 'docs/examples/cap-flood-cancel.xml'];
    const checked = await xsdCheck([...written, ...fromFeed, ...examples]);
    expect(checked.flatMap((r, i) => (r.valid ? [] : [`${names[i]}: ${r.errors.join('; ')}`]))).toEqual([]);
  });

  it("keeps a county token's alert to its county", async () => {
    const now = s.clock.now();
    const city = '28.4,120.6 28.4,121.8 29.35,121.8 29.35,120.6 28.4,120.6'; // a box around the whole demo city
    const xml = alertXml({ id: 'county-1', now, infos: [info({ now, area: `<area><areaDesc>全市</areaDesc><polygon>${city}</polygon></area>` })] });
    const r = (await post(xml, TOKENS.county).expect(202)).body;
    const view = (await http.get(`/api/orders/${r.orders[0].orderId}?limit=10000`).set(auth(TOKENS.county)).expect(200)).body;
    expect(view.deliveries.every((d: { area: string }) => d.area.startsWith('330102'))).toBe(true);
    // The same alert from the city desk: orders of its own over the whole city, not the county's
    // receipt; and each desk's repeat answers with its own.
    const city2 = (await post(xml, TOKENS.console).expect(202)).body;
    expect(city2.replayed).toBe(false);
    expect(city2.orders[0].orderId).not.toBe(r.orders[0].orderId);
    expect(city2.orders[0].deliveries).toBeGreaterThan(r.orders[0].deliveries);
    expect((await post(xml, TOKENS.county).expect(202)).body).toEqual({ ...r, replayed: true });
    expect((await post(xml, TOKENS.console).expect(202)).body).toEqual({ ...city2, replayed: true });
    // Each order's CAP document is its own desk's alert.
    const cap = (await http.get(`/api/orders/${city2.orders[0].orderId}/cap`).set(auth(TOKENS.console)).expect(200)).text;
    expect(cap).toContain('<identifier>');
    // The county's Cancel stops the county's order and names nothing of the city desk's.
    const cancel = alertXml({ id: 'county-1c', now: s.clock.now(), msgType: 'Cancel', references: `zj-flood@example.gov.cn,county-1,${capTime(now)}`, infos: [] });
    const c = (await post(cancel, TOKENS.county).expect(202)).body;
    expect(c.cancelled.map((x: { orderId: string }) => x.orderId)).toEqual([r.orders[0].orderId]);
    expect((await http.get(`/api/orders/${city2.orders[0].orderId}`).set(auth(TOKENS.console)).expect(200)).body.open).toBeGreaterThan(0);
  });
});

/**
 * The examples of the CAP 1.2 specification through the API: in, order, out, compare. They name
 * Californian counties by SAME codes, mapped here to towns of the demo city (cap.geocodes.map),
 * on a clock at the thunderstorm's time in 2003 so its expires still lies ahead. The homeland
 * security advisory (an areaDesc only) and the earthquake update (a circle of radius 0, no
 * geocode) target nothing anywhere: they round-trip at the codec only (libs/cap/src/cap-read.spec.ts).
 */
describe('the specification\'s examples in and out (e2e)', () => {
  const SAME: Record<string, string> = { '006109': '330102001', '006009': '330102002', '006003': '330103001', '006037': '330103002' };
  let s: TestServer;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    s = await testServer({
      clockAt: Date.parse('2003-06-17T14:58:00-07:00'),
      tweak: (c) => {
        c.channels.forEach((ch) => (ch.simulator.replyProbability = 0));
        c.cap.geocodes.map = SAME;
      },
    });
    http = request(s.app.getHttpServer());
  });
  afterAll(async () => s.close());

  const roundTrip = async (name: string) => {
    const xml = readFileSync(`test/fixtures/cap/${name}.xml`, 'utf8');
    const r = (await http.post('/api/cap').set(auth(TOKENS.console)).set('content-type', CAP).send(xml).expect(202)).body;
    expect(r.orders).toHaveLength(1);
    const made = r.orders[0];
    const view = (await http.get(`/api/orders/${made.orderId}?limit=10000`).set(auth(TOKENS.console)).expect(200)).body;
    const out = (await http.get(`/api/orders/${made.orderId}/cap`).set(auth(TOKENS.console)).expect(200)).text;
    return { source: readCap(xml), made, view, out };
  };

  it('the severe thunderstorm warning: an order to the towns its counties are mapped to, and out as the same info and area', async () => {
    const { source, made, view, out } = await roundTrip('thunderstorm');
    expect(view).toMatchObject({ priority: 'immediate', ackRequired: true, summary: 'SEVERE THUNDERSTORM WARNING', body: 'TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES.', ttlS: 62 * 60 });
    expect(view.to.areas).toEqual(['330102001', '330102002', '330103001']);
    expect(view.deliveries).toHaveLength(made.deliveries);
    expect(view.deliveries.every((d: { area: string }) => ['330102001', '330102002', '330103001'].some((a) => d.area.startsWith(a)))).toBe(true);
    const back = readCap(out);
    expect(back).toMatchObject({ msgType: 'Alert', references: [{ sender: 'KSTO@NWS.NOAA.GOV', identifier: 'KSTO1055887203', sent: '2003-06-17T14:57:00-07:00' }] });
    expect(back.infos).toEqual(source.infos);
    expect((await xsdCheck([out])).map((x) => x.errors)).toEqual([[]]);
  });

  it('the multilingual Amber alert: the first info\'s language when none is Chinese, the other left out', async () => {
    const { source, view, out } = await roundTrip('amber-multilingual');
    expect(view).toMatchObject({ summary: 'Amber Alert in Los Angeles County', to: { areas: ['330103002'] } });
    expect(readCap(out).infos).toEqual([source.infos[0]]);
    expect((await xsdCheck([out])).map((x) => x.errors)).toEqual([[]]);
  });
});
