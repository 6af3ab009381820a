import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { fastConfig, killChildren, startNode, tempDir, waitFor, type Child } from '../support/child';
import { TestNats } from '../support/nats';
import { rawRequest } from '../support/raw-client';
import { Client, TOKENS } from '../support/server';
import { withPg } from '../../scripts/lib/pg-server';
import { freshTestDatabase } from '../support/test-store';

const ORDER = { priority: 'flash', to: { areas: ['330102'], roles: ['village-head'] }, body: '台风“梅花”今晚登陆，请立即组织群众转移。', ackRequired: false, ttlS: 600 };

async function call(url: string, path: string, token: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(url + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  return { status: r.status, body: await r.json().catch(() => null), headers: r.headers };
}

const seqs = (c: Client) => c.frames.map((f) => f.seq).filter((s): s is number => typeof s === 'number');

/**
 * A cluster of two router processes on one PostgreSQL database, with a NATS bus of the test's
 * own: the active node writes; the other, a follower, serves consoles and passes orders on.
 */
describe('a follower node', () => {
  let db: Awaited<ReturnType<typeof freshTestDatabase>>;
  let nats: TestNats;
  let active: Child;
  let follower: Child;
  beforeAll(async () => {
    db = await freshTestDatabase('lt_follow');
    nats = await TestNats.start();
    // No LIFELINE_STANDBY: on PostgreSQL a bus alone joins the cluster (contract, section 1).
    const env = { LIFELINE_DB: db.url, LIFELINE_BUS: nats.url, LIFELINE_CONFIG: fastConfig(tempDir()), LIFELINE_ADMIN_TOKEN: 'follow-admin' };
    active = await startNode({ ...env, LIFELINE_NODE: 'site-a' });
    await active.listening;
    follower = await startNode({ ...env, LIFELINE_NODE: 'site-b' });
  });
  afterAll(async () => {
    killChildren();
    await nats.stop();
    await db.drop();
  });

  it('takes orders and passes them to the active node, answering after commit; both nodes stream the same events, gapless', async () => {
    expect((await call(follower.url, '/health', TOKENS.console)).body).toEqual({ status: 'ok', node: 'site-b', role: 'follower' });
    const onFollower = await Client.open(follower.url, TOKENS.console);
    const onActive = await Client.open(active.url, TOKENS.console);
    for (const c of [onFollower, onActive]) c.send({ type: 'subscribe', since: 0 });
    const http = await call(follower.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'f-1', order: ORDER }) });
    expect(http).toMatchObject({ status: 202, body: { orderId: expect.any(String), deliveries: 24 } });
    const sender = await Client.open(follower.url, TOKENS.console); // its answers are not the stream
    sender.send({ type: 'order.send', clientRef: 'f-2', order: ORDER });
    const ws = await sender.next((f) => f.type === 'order.accepted' && f.clientRef === 'f-2');
    expect(ws).toMatchObject({ deliveries: 24, seq: expect.any(Number) });
    await sender.close();
    // The audit trail has who sent it, from where, as the follower saw the client.
    const audit = await call(active.url, `/api/audit?action=order.send&subject=${http.body.orderId}`, TOKENS.admin);
    expect(audit.body.entries).toEqual([expect.objectContaining({ actorRole: 'console', address: expect.stringMatching(/127\.0\.0\.1/) })]);
    // The same clientRef through the other node is the same order, not a second one.
    const again = await call(active.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'f-1', order: ORDER }) });
    expect(again.body.orderId).toBe(http.body.orderId);
    // A scoped desk's refusal comes back as the active node gave it.
    const county = await call(follower.url, '/api/orders', TOKENS.county, { method: 'POST', body: JSON.stringify({ clientRef: 'f-3', order: { ...ORDER, to: { areas: ['330103'] } } }) });
    expect([county.status, county.body.error.code]).toEqual([403, 'out_of_scope']);

    await waitFor(async () => (await call(follower.url, '/api/orders?status=open', TOKENS.console)).body.length === 0, 'both orders final');
    const head = async () => ((await call(active.url, '/api/events?since=0&limit=1000', TOKENS.console)).body as { seq: number }[]).at(-1)!.seq;
    const last = await head();
    await waitFor(async () => seqs(onFollower).at(-1) === last && seqs(onActive).at(-1) === last, 'both streams at the head');
    // Each seq once, in order: the replay and the live stream meet without a gap or a repeat,
    // though the follower's live stream trails the table its replay read.
    const all = Array.from({ length: last }, (_, i) => i + 1);
    expect(seqs(onFollower)).toEqual(all);
    expect(seqs(onActive)).toEqual(all);
    // The follower's reads are the active node's rows.
    const view = await call(follower.url, `/api/orders/${http.body.orderId}?limit=1`, TOKENS.console);
    expect(view.body.counts).toEqual((await call(active.url, `/api/orders/${http.body.orderId}?limit=1`, TOKENS.console)).body.counts);
    await Promise.all([onFollower.close(), onActive.close()]);
  });

  it('carries a gateway linked to it over the bus to the active node, both ways', async () => {
    await expect(Client.open(follower.url, null, '/gateway')).rejects.toThrow('upgrade refused: 401');
    const linked = async () => {
      const text = await (await fetch(`${active.url}/metrics`, { headers: { Authorization: `Bearer ${TOKENS.metrics}` } })).text();
      return Number(/lifeline_gateways_connected\{channel="pdt"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await linked();
    const radio = await Client.open(follower.url, TOKENS.pdt, '/gateway');
    // A hello for a channel the token is not bound to: the active node's refusal comes back.
    radio.send({ type: 'hello', gatewayId: 'radio-relayed', channel: 'public', areas: ['330100'], window: 4 });
    expect(await radio.next((f) => f.type === 'error')).toMatchObject({ error: { code: expect.any(String), message: expect.stringMatching(/pdt|channel/) } });
    radio.send({ type: 'hello', gatewayId: 'radio-relayed', channel: 'pdt', areas: ['330100'], window: 4 });
    await waitFor(async () => (await linked()) === before + 1, 'the relayed hello at the active node');
    radio.send(Buffer.from([0xff])); // refused at the follower as the active node would
    expect(await radio.next((f) => f.type === 'error' && (f.error as { code: string }).code === 'bad_frame')).toBeTruthy();
    // JSON nested deeper than JSON.stringify can go: the follower passes the text on as it came
    // (it once re-serialised it, and the throw ended the process), and the active node refuses it.
    const errors = () => radio.frames.filter((f) => f.type === 'error').length;
    const errorsBefore = errors();
    radio.send('['.repeat(20_000) + ']'.repeat(20_000));
    await waitFor(async () => errors() > errorsBefore, "the active node's refusal of the deep frame");
    expect((await call(follower.url, '/health', TOKENS.console)).status).toBe(200);
    await radio.close();
    await waitFor(async () => (await linked()) === before, 'the relayed link closed at the active node');
  });

  it('refuses with 503 what only the active node does: drills, tokens, alerts', async () => {
    const drill = await call(follower.url, '/api/drills/outages', TOKENS.drill, { method: 'POST', body: JSON.stringify({ kind: 'network', area: '330102', durationS: 5 }) });
    expect([drill.status, drill.body.error.code, drill.headers.get('retry-after')]).toEqual([503, 'not_active', '1']);
    const token = await call(follower.url, '/api/tokens', TOKENS.admin, { method: 'POST', body: JSON.stringify({ role: 'console', name: 'x' }) });
    expect([token.status, token.body.error.code]).toEqual([503, 'not_active']);
    const before = (await call(active.url, '/api/orders?status=all', TOKENS.console)).body.length;
    const cap = await fetch(`${follower.url}/api/cap`, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.console}`, 'content-type': 'application/cap+xml' }, body: readFileSync('docs/examples/cap-flood-alert.xml', 'utf8') });
    expect([cap.status, ((await cap.json()) as any).error.code]).toEqual([503, 'not_active']);
    expect((await call(active.url, '/api/orders?status=all', TOKENS.console)).body.length).toBe(before); // nothing of it went out
  });

  it("tells an operator each node's part on /metrics: which writes, the follower's stream caught up, the bus reached, the same picture of the record", async () => {
    const scrape = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKENS.metrics}` } })).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      return { text, value };
    };
    const a = await call(active.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'm-1', order: ORDER }) });
    expect(a.status).toBe(202);
    await waitFor(async () => (await scrape(follower.url)).value('lifeline_stream_lag_events') === 0, "the follower's stream caught up");
    const [onActive, onFollower] = [await scrape(active.url), await scrape(follower.url)];
    expect([onActive.value('lifeline_node_active'), onFollower.value('lifeline_node_active')]).toEqual([1, 0]);
    expect([onActive.value('lifeline_bus_up'), onFollower.value('lifeline_bus_up')]).toEqual([1, 1]);
    expect(onFollower.value('lifeline_events_seq')).toBeGreaterThan(0);
    // Gauges of the record read alike (the order may close between two scrapes: they meet).
    expect(onFollower.text).toMatch(/^lifeline_orders_open /m);
    await waitFor(async () => (await scrape(follower.url)).value('lifeline_orders_open') === (await scrape(active.url)).value('lifeline_orders_open'), 'both nodes to count the same open orders');
    // What only the sending node knows is told by it alone.
    expect(onActive.text).toMatch(/^lifeline_dispatch_pending /m);
    expect(onFollower.text).not.toMatch(/^lifeline_dispatch_pending /m);
  });

  it('cuts a socket whose token was revoked on the active node', async () => {
    const made = await call(active.url, '/api/tokens', TOKENS.admin, { method: 'POST', body: JSON.stringify({ role: 'console', name: 'desk 7' }) });
    const c = await Client.open(follower.url, made.body.token);
    c.send({ type: 'subscribe' });
    expect((await call(active.url, `/api/tokens/${made.body.id}`, TOKENS.admin, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => c.closed !== null, 'the socket cut');
    expect((await call(follower.url, '/api/me', made.body.token)).status).toBe(401);
  });

  it('answers a bus message that is not one with a refusal, and stays up', async () => {
    const nc: NatsConnection = await connect({ servers: nats.url });
    try {
      const answers: unknown[] = [];
      const before = (await call(active.url, '/api/orders?status=all', TOKENS.admin)).body.length;
      // Naming a token by its id (as an earlier bus did) is no longer a way to act for it; a token is
      // checked as the active node's own clients' are.
      const asIdOf = (tokenId: string) => JSON.stringify({ pattern: 'lifeline.orders.accept', id: '2', data: { tokenId, clientRef: 'x', order: ORDER } });
      const withToken = (token: string) => JSON.stringify({ pattern: 'lifeline.orders.accept', id: '3', data: { tokenHash: createHash('sha256').update(token).digest('hex'), clientRef: 'rogue', order: ORDER } });
      const raw = JSON.stringify({ pattern: 'lifeline.orders.accept', id: '4', data: { tokenHash: TOKENS.console, clientRef: 'rogue', order: ORDER } });
      const messages = ['not json', '\u00ff', 'null', '5', '{"pattern":"lifeline.orders.accept","data":{"tokenId":"cfg-x"},"id":"1"}', asIdOf('env-admin'), raw, withToken('a-guess'), withToken('demo-drill-token')];
      for (const data of messages) {
        const m = await nc.request('lifeline.orders.accept', data === '\u00ff' ? new Uint8Array([0xff, 0xfe]) : new TextEncoder().encode(data), { timeout: 5000 });
        answers.push(JSON.parse(new TextDecoder().decode(m.data)).response);
      }
      nc.publish('lifeline.events.committed', new TextEncoder().encode('{"data":{"seq":-1}}'));
      nc.publish('lifeline.tokens.revoked', new Uint8Array([0xff, 0x00]));
      // Unread, answered not_active: nothing done, and a client of a node of another version sends it again.
      const unread = { ok: false, error: expect.objectContaining({ code: 'not_active', message: expect.stringMatching(/^invalid bus message/) }) };
      const forbidden = { ok: false, error: expect.objectContaining({ code: 'forbidden' }) };
      expect(answers).toEqual([unread, unread, unread, unread, unread, unread, unread, forbidden, forbidden]);
      expect((await call(active.url, '/api/orders?status=all', TOKENS.admin)).body.length).toBe(before);
    } finally {
      await nc.close();
    }
    for (const node of [active, follower]) expect((await call(node.url, '/health', TOKENS.console)).status).toBe(200);
  });

  it('survives hostile bytes at its own socket: strange upgrade targets, resets mid-upgrade, a relayed gateway link reset at once', async () => {
    const upgrade = (target: string, token = TOKENS.console) =>
      `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    expect((await rawRequest(follower.url, [upgrade('//evil')])).status).toBe(400);
    expect((await rawRequest(follower.url, [upgrade('http://x/ws')])).status).toBe(400);
    await rawRequest(follower.url, [upgrade('/ws', 'nope')], { reset: true });
    await rawRequest(follower.url, [upgrade('/gateway', TOKENS.pdt)], { reset: true });
    await rawRequest(follower.url, ['POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"clientRef":'], { reset: true });
    expect((await rawRequest(follower.url, ['GET /api/orders/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-console-token\r\n\r\n'])).status).toBeGreaterThanOrEqual(400);
    expect((await call(follower.url, '/health', TOKENS.console)).status).toBe(200);
  });

  it('with the bus down, says so on /health, not_active for orders, still streams and cuts revoked tokens by polling; with it back, passes orders on again', async () => {
    const c = await Client.open(follower.url, TOKENS.console);
    c.send({ type: 'subscribe' });
    const made = await call(active.url, '/api/tokens', TOKENS.admin, { method: 'POST', body: JSON.stringify({ role: 'console', name: 'desk 8' }) });
    const doomed = await Client.open(follower.url, made.body.token);
    await nats.stop();
    await waitFor(async () => (await call(follower.url, '/health', TOKENS.console)).status === 503, 'the follower to say the bus is down');
    expect((await call(follower.url, '/health', TOKENS.console)).body).toEqual({ status: 'error', reason: expect.stringMatching(/bus \(NATS\) is out of reach/), node: 'site-b', role: 'follower' });
    const metrics = await (await fetch(`${follower.url}/metrics`, { headers: { Authorization: `Bearer ${TOKENS.metrics}` } })).text();
    expect(metrics).toMatch(/^lifeline_bus_up 0$/m);
    expect((await call(active.url, `/api/tokens/${made.body.id}`, TOKENS.admin, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => doomed.closed !== null, 'the revoked socket cut, from the rows');
    const refused = await call(follower.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'down-1', order: ORDER }) });
    expect([refused.status, refused.body.error.code]).toEqual([503, 'not_active']);
    // Sent to the active node itself, the order goes out; the follower reads it from the table.
    const direct = await call(active.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'down-2', order: ORDER }) });
    // A console replaying now reads rows the follower's stream has not passed on yet (no wake-up:
    // it waits for its next poll): the seam must not send them twice.
    const late = await Client.open(follower.url, TOKENS.console);
    late.send({ type: 'subscribe', since: 0 });
    await c.next((f) => f.type === 'order.accepted' && f.orderId === direct.body.orderId);
    await late.next((f) => f.type === 'order.accepted' && f.orderId === direct.body.orderId);
    await nats.start();
    // The same clientRef again, once the bus is back: accepted once.
    let accepted: any = null;
    await waitFor(async () => {
      const r = await call(follower.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'down-1', order: ORDER }) });
      accepted = r.status === 202 ? r.body : null;
      return accepted !== null;
    }, 'orders passed on again');
    await c.next((f) => f.type === 'order.accepted' && f.orderId === accepted.orderId);
    await waitFor(async () => (await call(follower.url, '/health', TOKENS.console)).status === 200, 'the follower healthy again');
    await late.next((f) => f.type === 'order.accepted' && f.orderId === accepted.orderId);
    expect(seqs(late)).toEqual(Array.from({ length: seqs(late).length }, (_, i) => i + 1));
    await Promise.all([c.close(), late.close()]);
  });

  it('serves the directory a new active node loaded, not the one it started on', async () => {
    const roles = async () => (await call(follower.url, '/api/directory/roles', TOKENS.console)).body.roles.map((r: { role: string }) => r.role);
    expect(await roles()).not.toContain('drone-pilot');
    // What a new active node commits when it loads another directory file: the rows and their hash.
    const hash = await withPg(db.url, async (c) => (await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'directory_sha256'")).rows[0].value);
    const load = (sql: string, value: string) =>
      withPg(db.url, async (c) => {
        await c.query(sql);
        await c.query("UPDATE meta SET value = $1 WHERE key = 'directory_sha256'", [value]);
      });
    await load("INSERT INTO person_roles (person_id, role) SELECT id, 'drone-pilot' FROM people ORDER BY id LIMIT 3", 'another directory');
    await waitFor(async () => (await roles().catch(() => [])).includes('drone-pilot'), 'the follower to serve the new directory');
    expect((await call(follower.url, '/health', TOKENS.console)).body).toEqual({ status: 'ok', node: 'site-b', role: 'follower' });
    // And back (the takeover below loads the file again, and must find it unchanged).
    await load("DELETE FROM person_roles WHERE role = 'drone-pilot'", hash);
    await waitFor(async () => !(await roles().catch(() => ['drone-pilot'])).includes('drone-pilot'), 'the follower to serve the first directory again');
  });

  it('takes over when the active node is killed, on its own port, and finishes the work', async () => {
    active.proc.kill('SIGKILL');
    await follower.listening;
    expect((await call(follower.url, '/health', TOKENS.console)).body).toEqual({ status: 'ok', node: 'site-b', role: 'active' });
    await waitFor(async () => (await call(follower.url, '/api/orders?status=open', TOKENS.console)).body.length === 0, 'every order final');
  });
});
