import { join } from 'node:path';
import { digestFile } from '../support/digest';
import { fastConfig, killChildren, startChild, tempDir, waitFor, type Child } from '../support/child';
import { clientFrame, rawRequest, slowClient, StubbornSocket, upgradeRequest, type RawAnswer } from '../support/raw-client';

/**
 * The adversarial suite, at the socket level, against the built router as its own process: what
 * an attacker with no token, or a low one, can send. After each group the process must be up,
 * `/health` must answer, and the database must not have changed where the requests were refused.
 */
const ADMIN = 'security-admin-token';
const CONSOLE = 'demo-console-token';
/** The caps of this router (security.*): small, so that tests can reach them. */
const PER_ADDRESS = 100;
const PER_TOKEN = 30;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const GET_HEALTH = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';

let child: Child;
let db: string;

async function health(): Promise<number> {
  const r = await fetch(`${child.url}/health`);
  return r.status;
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(child.url + path, { ...init, headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
}

/** The router is up and answering, and (when given) the database is exactly as before. */
async function stillUp(before?: string): Promise<void> {
  expect(child.proc.exitCode).toBeNull();
  expect(await health()).toBe(200);
  if (before !== undefined) expect(digestFile(db)).toBe(before);
}

/**
 * A digest once the router's own writes are over: the file unchanged for half a second of reads
 * (a router process descheduled between two of its writes on a loaded machine is not "quiet").
 */
async function quietDigest(): Promise<string> {
  let last = '';
  let since = Date.now();
  await waitFor(async () => {
    const d = digestFile(db);
    if (d !== last) [last, since] = [d, Date.now()];
    return Date.now() - since >= 500;
  }, 'a quiet database');
  return last;
}

beforeAll(async () => {
  const dir = tempDir();
  db = join(dir, 'security.db');
  // The drone channel has no gateway here: it goes down when the gateways' grace after the start
  // ends. A second, and waited for below, so that no test's "nothing changed" spans that write
  // (with the default 30 s it fell inside the last test on a slow run).
  const config = fastConfig(dir, (c) => {
    c.engine.gatewayGraceS = 1;
    c.engine.linkGraceS = 1; // a gateway gone after its hello: its areas degraded for a second, not ten
    c.security = { maxConnectionsPerAddress: PER_ADDRESS, maxSocketsPerToken: PER_TOKEN };
  });
  child = await startChild({ LIFELINE_CONFIG: config, LIFELINE_DB: db, LIFELINE_ADMIN_TOKEN: ADMIN });
  await waitFor(async () => (await health()) === 200, 'the router to be ready');
  await waitFor(async () => {
    const states = (await (await api('/api/channels')).json()) as { channel: string; state: string }[];
    return states.some((c) => c.channel === 'drone' && c.state === 'down');
  }, 'the channel without a gateway down once the grace is over');
});
afterAll(() => killChildren());

/** Frames broken at the byte level, and the close code each must get (that connection only). */
const BROKEN_FRAMES: [string, Buffer, number][] = [
  ['an unmasked client frame', clientFrame(1, '{"type":"subscribe"}', { mask: false }), 1002],
  ['a reserved opcode', clientFrame(3, 'x'), 1002],
  ['a fragmented ping', clientFrame(9, 'x', { fin: false }), 1002],
  ['a length of 2^62 bytes', clientFrame(1, 'x', { length: 2n ** 62n }), 1009],
  ['invalid UTF-8', clientFrame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
  ['a close code that does not exist', clientFrame(8, Buffer.from([0x03, 0xe7])), 1002],
];

/** A token made through the API (a database write: make it before taking a digest). */
async function made(body: object): Promise<{ id: string; token: string }> {
  return (await (await api('/api/tokens', { method: 'POST', body: JSON.stringify(body) })).json()) as { id: string; token: string };
}

describe('adversarial sockets (router as a child process)', () => {
  it('survives malformed request lines, targets and headers on plain requests and upgrades', async () => {
    const before = await quietDigest();
    const targets = ['//', '//ws', 'http://[', 'http://lifeline/ws', '*', '/ws/../gateway', '/%zz', '/ws?token=%zz&token', '/ws#frag', `/${'a'.repeat(9000)}`, '/__proto__', '/constructor', '/hasOwnProperty', '/ws\u0000', '/wś'];
    const answers: [string, RawAnswer][] = [];
    for (const t of targets) {
      answers.push([`upgrade ${t}`, await rawRequest(child.url, [upgradeRequest(t, { Authorization: `Bearer ${ADMIN}` })])]);
      answers.push([`upgrade ${t}, no token`, await rawRequest(child.url, [upgradeRequest(t)])]);
      answers.push([`GET ${t}`, await rawRequest(child.url, [`GET ${t} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n`])]);
    }
    const malformed = [
      'GARBAGE\r\n\r\n',
      'GET\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      `GET /${'x'.repeat(100_000)} HTTP/1.1\r\n\r\n`,
      'GET /health HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n',
      `GET /api/orders HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
      `GET /api/orders HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 500 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
      'GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n',
      'GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n\r\n',
      'GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00ff\u00fe\r\n\r\n',
      'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\n\r\n',
      'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      upgradeRequest('/ws', { Authorization: `Bearer ${CONSOLE}`, 'Sec-WebSocket-Key': 'short' }),
      upgradeRequest('/ws', { Authorization: `Bearer ${CONSOLE}`, 'Sec-WebSocket-Version': '99' }),
      upgradeRequest('/ws', { Authorization: `Bearer ${CONSOLE}`, Upgrade: 'h2c' }),
      upgradeRequest('/gateway', { Authorization: `Bearer ${CONSOLE}` }),
      upgradeRequest('/ws', { Authorization: `Bearer ${'z'.repeat(4000)}` }),
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]), // a TLS ClientHello on the plain port
      Buffer.from([0, 0, 0, 0, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]),
    ];
    for (const m of malformed) answers.push([String(m).slice(0, 40), await rawRequest(child.url, [m])]);
    for (const [what, a] of answers) {
      // Refused or closed, never a server error; only /ws itself with a valid token switches.
      const mayUpgrade = what === 'upgrade /ws?token=%zz&token';
      if (a.status !== null && ((a.status === 101 && !mayUpgrade) || a.status >= 500)) throw new Error(`${what}: answered ${a.status}`);
    }
    const status = (what: string) => answers.find(([w]) => w === what)![1].status;
    expect(status('upgrade //')).toBe(400);
    expect(status('upgrade http://[')).toBe(400);
    expect(status('upgrade /__proto__')).toBe(404);
    expect(status('upgrade /constructor')).toBe(404);
    expect(status('upgrade /ws/../gateway')).toBe(404);
    await stillUp(before);
  });

  it('refuses hostile alert documents at the byte level, CAP and GB/T alike, and changes nothing', async () => {
    const before = await quietDigest();
    const NS = 'urn:oasis:names:tc:emergency:cap:1.2';
    const xxe = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert xmlns="${NS}"><identifier>&x;</identifier></alert>`;
    const entities = ['<!ENTITY e0 "lol">', ...Array.from({ length: 10 }, (_, i) => `<!ENTITY e${i + 1} "${`&e${i};`.repeat(10)}">`)];
    const bomb = `<!DOCTYPE a [${entities.join('')}]><a>&e10;</a>`;
    const post = (route: string, body: string | Buffer, headers: Record<string, string> = {}) =>
      `POST ${route} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/cap+xml\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const answers: [string, RawAnswer][] = [];
    for (const route of ['/api/cap', '/api/gbt35965']) {
      for (const [what, body] of [['xxe', xxe], ['bomb', bomb], ['deep', '<a>'.repeat(200_000)], ['not xml', '\u0000\u00ff<<<'], ['empty', '']] as const)
        answers.push([`${route} ${what}`, await rawRequest(child.url, [post(route, body), body])]);
      // The declaration split across TCP writes, slowly; a body cut short and reset; a lying length.
      answers.push([`${route} split`, await rawRequest(child.url, [post(route, xxe), xxe.slice(0, 20), xxe.slice(20, 60), xxe.slice(60)], { gapMs: 5 })]);
      for (let i = 0; i < 10; i++) await rawRequest(child.url, [post(route, xxe), xxe.slice(0, 30)], { reset: true });
      answers.push([`${route} short`, await rawRequest(child.url, [post(route, 'x'.repeat(5_000)), 'x'.repeat(100)], { halfClose: true })]);
      answers.push([`${route} chunked`, await rawRequest(child.url, [`POST ${route} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n<alert xmlns="x">\r\nzz\r\n`])]);
      answers.push([`${route} utf-16`, await rawRequest(child.url, [post(route, Buffer.from('<alert/>', 'utf16le'), { 'Content-Type': 'text/xml; charset=utf-16' }).replace('Content-Type: application/cap+xml\r\n', ''), Buffer.from('<alert/>', 'utf16le')])]);
      answers.push([`${route} gzip`, await rawRequest(child.url, [post(route, 'not gzip', { 'Content-Encoding': 'gzip' }), 'not gzip'])]);
      answers.push([`${route} too big`, await rawRequest(child.url, [post(route, 'y'.repeat(1_100_000)), 'y'.repeat(1_100_000)])]);
    }
    for (const [what, a] of answers) if (a.status === null || a.status < 400 || a.status >= 500) throw new Error(`${what}: answered ${a.status} (${a.end})`);
    expect(answers.find(([w]) => w === '/api/cap xxe')![1].text).toMatch(/document type declaration/);
    expect(answers.find(([w]) => w === '/api/cap too big')![1].status).toBe(413);
    await stillUp(before);
  });

  it('survives resets and half-closed connections at every step of an upgrade, on /ws and /gateway', async () => {
    const gateway = await made({ role: 'gateway', name: 'reset gateway', channel: 'public' });
    const before = await quietDigest();
    for (const [path, token] of [['/ws', CONSOLE], ['/gateway', gateway.token]]) {
      const good = upgradeRequest(path, bearer(token));
      const bad = upgradeRequest(`${path}?token=nope`);
      for (let i = 0; i < 15; i++) {
        await rawRequest(child.url, [`GET ${path.slice(0, 2)}`], { reset: true }); // inside the request line
        await rawRequest(child.url, [good.slice(0, 60)], { reset: true }); // inside the headers
        await rawRequest(child.url, [good], { reset: true }); // before the 101
        await rawRequest(child.url, [bad], { reset: true }); // while the refusal is written
        await rawRequest(child.url, [upgradeRequest('//x')], { reset: true }); // while a 400 is written
        await rawRequest(child.url, [good], { halfClose: true });
        await rawRequest(child.url, [bad], { halfClose: true });
        await rawRequest(child.url, [good.slice(0, 60)], { halfClose: true });
      }
      for (let i = 0; i < 15; i++) {
        // After the 101, then gone without a close frame.
        (await StubbornSocket.open(child.url, path, bearer(token))).destroy();
        // After the 101, then half-closed: the router closes its side too, it keeps no half-open socket.
        const half = await StubbornSocket.open(child.url, path, bearer(token));
        half.end();
        await half.until(() => half.closed);
      }
    }
    await stillUp(before);
  });

  it('survives a gateway resetting, half-closing or sending broken frames after its hello', async () => {
    const gateway = await made({ role: 'gateway', name: 'hello gateway', channel: 'public' });
    const said = async (i: number) => {
      const s = await StubbornSocket.open(child.url, '/gateway', bearer(gateway.token));
      s.send({ type: 'hello', gatewayId: `hello-${i}`, channel: 'public', areas: ['330100'], window: 10 });
      s.send({ type: 'nonsense' }); // frames are handled in order: its error means the hello was
      await s.until(() => s.texts.some((t) => t.includes('"error"')));
      return s;
    };
    for (let i = 0; i < 10; i++) {
      const s = await said(i);
      if (i % 2) s.destroy();
      else {
        s.end();
        await s.until(() => s.closed);
      }
    }
    for (const [i, [what, bytes, code]] of BROKEN_FRAMES.entries()) {
      const s = await said(100 + i);
      s.write(bytes);
      await s.until(() => s.closed);
      if (s.closeCode !== code) throw new Error(`after a hello, ${what}: closed with ${s.closeCode}, expected ${code}`);
    }
    await stillUp();
    // Their areas are degraded for the link's grace, then the channel is as before: up.
    await waitFor(async () => {
      const states = (await (await api('/api/channels')).json()) as { channel: string; state: string }[];
      return states.filter((c) => c.channel === 'public' && c.state !== 'up').length === 0;
    }, 'the public channel up again once the gone gateways\' grace is over');
  });

  it('keeps answering while many idle, slow and WebSocket clients of one address hang on, up to its caps', async () => {
    const from = '127.0.0.4';
    const desk = await made({ role: 'console', name: 'many desk' });
    const before = await quietDigest();
    // One address: the token's every socket, and idle and slow clients up to one place short of its cap.
    const sockets = await Promise.all(Array.from({ length: PER_TOKEN }, () => StubbornSocket.open(child.url, '/ws', bearer(desk.token), { localAddress: from })));
    const idle = Array.from({ length: PER_ADDRESS - PER_TOKEN - 21 }, () => slowClient(child.url, { localAddress: from, everyMs: 0 }));
    const slow = Array.from({ length: 20 }, () => slowClient(child.url, { localAddress: from, everyMs: 50 }));
    await Promise.all([...idle, ...slow].map((c) => c.connected));
    // Its last place answers, and so does everyone else, many times over.
    expect((await rawRequest(child.url, [GET_HEALTH], { localAddress: from })).status).toBe(200);
    for (let i = 0; i < 20; i++) expect(await health()).toBe(200);
    expect((await api('/api/orders')).status).toBe(200);
    // The held sockets still work.
    sockets[0].send({ type: 'subscribe', since: 0 });
    await sockets[0].until(() => sockets[0].texts.length > 0);
    for (const c of [...idle, ...slow]) c.close();
    sockets.forEach((s) => s.destroy());
    await stillUp(before);
  });

  it('caps the connections of one client address: slow clients filling it leave the router answering others', async () => {
    const before = await quietDigest();
    const from = '127.0.0.3';
    const slow = Array.from({ length: PER_ADDRESS }, () => slowClient(child.url, { localAddress: from }));
    await Promise.all(slow.map((c) => c.connected));
    // One more from that address is cut as it is accepted, without an answer; another address is served.
    const refused = await rawRequest(child.url, [GET_HEALTH], { localAddress: from });
    expect([refused.status, refused.end]).toEqual([null, 'closed']);
    const other = await rawRequest(child.url, [GET_HEALTH], { localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
    expect(await health()).toBe(200);
    const metrics = await (await api('/metrics')).text();
    expect(Number(/lifeline_requests_rejected_total\{transport="http",code="too_many_connections"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    // Once they are gone, the address is served again.
    for (const c of slow) c.close();
    await waitFor(async () => (await rawRequest(child.url, [GET_HEALTH], { localAddress: from })).status === 200, 'the address served again once its slow clients left');
    await stillUp(before);
  });

  it('caps the sockets of one token across /ws and /gateway: past it 429 with Retry-After, other tokens unaffected', async () => {
    const desk = await made({ role: 'console', name: 'greedy desk' });
    const gateway = await made({ role: 'gateway', name: 'greedy gateway', channel: 'public' });
    const before = await quietDigest();
    const sockets = await Promise.all(Array.from({ length: PER_TOKEN }, () => StubbornSocket.open(child.url, '/ws', bearer(desk.token))));
    const over = await rawRequest(child.url, [upgradeRequest('/ws', bearer(desk.token))]);
    expect(over.status).toBe(429);
    expect(over.text).toMatch(/\r\nRetry-After: \d+\r\n/i);
    expect(over.text).toMatch(/too_many_sockets/);
    // A gateway token's sockets count the same way.
    const links = await Promise.all(Array.from({ length: PER_TOKEN }, () => StubbornSocket.open(child.url, '/gateway', bearer(gateway.token))));
    expect((await rawRequest(child.url, [upgradeRequest('/gateway', bearer(gateway.token))])).status).toBe(429);
    // Another token opens its socket and is served; the greedy token's own sockets still work.
    const other = await StubbornSocket.open(child.url, '/ws', bearer(CONSOLE));
    other.send({ type: 'subscribe', since: 0 });
    await other.until(() => other.texts.length > 0);
    sockets[PER_TOKEN - 1].send({ type: 'subscribe', since: 0 });
    await sockets[PER_TOKEN - 1].until(() => sockets[PER_TOKEN - 1].texts.length > 0);
    // One closed, the token may open one again.
    sockets[0].destroy();
    await waitFor(async () => (await rawRequest(child.url, [upgradeRequest('/ws', bearer(desk.token))])).status === 101, 'a place for the token once one of its sockets closed');
    for (const s of [...sockets, ...links, other]) s.destroy();
    await stillUp(before);
  });

  it('closes only the offending connection on frames broken at the byte level, on /ws and /gateway', async () => {
    const gateway = await made({ role: 'gateway', name: 'broken-frames gateway', channel: 'public' });
    const before = await quietDigest();
    for (const [path, token] of [['/ws', CONSOLE], ['/gateway', gateway.token]])
      for (const [what, bytes, code] of BROKEN_FRAMES) {
        const s = await StubbornSocket.open(child.url, path, bearer(token));
        s.write(bytes);
        await s.until(() => s.closed);
        if (s.closeCode !== code) throw new Error(`${path}, ${what}: closed with ${s.closeCode}, expected ${code}`);
      }
    await stillUp(before);
  });

  it('stops a revoked token at once on sockets whose clients ignore the close frame', async () => {
    const desk = await made({ role: 'console', name: 'rogue desk' });
    const gw = await made({ role: 'gateway', name: 'rogue gateway', channel: 'public' });
    const consoleSocket = await StubbornSocket.open(child.url, '/ws', { Authorization: `Bearer ${desk.token}` });
    const gatewaySocket = await StubbornSocket.open(child.url, '/gateway', { Authorization: `Bearer ${gw.token}` });
    gatewaySocket.send({ type: 'hello', gatewayId: 'rogue-1', channel: 'public', areas: ['330100'], window: 10 });
    const connected = async () => Number(/lifeline_gateways_connected\{channel="public"\} (\d+)/.exec(await (await api('/metrics')).text())?.[1] ?? 0);
    await waitFor(async () => (await connected()) === 2, 'the rogue gateway online beside the simulator');
    consoleSocket.send({ type: 'subscribe', since: 0 });
    await consoleSocket.until(() => consoleSocket.texts.length > 0);

    expect((await api(`/api/tokens/${desk.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/tokens/${gw.id}`, { method: 'DELETE' })).status).toBe(204);
    await consoleSocket.until(() => consoleSocket.closeCode !== null);
    await gatewaySocket.until(() => gatewaySocket.closeCode !== null);
    expect([consoleSocket.closeCode, gatewaySocket.closeCode]).toEqual([4401, 4401]);
    expect(await connected()).toBe(1); // gone from the hub now, not when its TCP connection ends
    const revoked = await quietDigest();
    const seen = consoleSocket.texts.length;

    // Both clients ignore the close and carry on: nothing they say counts any more.
    const order = { priority: 'flash', to: { areas: ['330102'] }, body: '撤离', ackRequired: false, ttlS: 600 };
    for (let i = 0; i < 5; i++) {
      consoleSocket.send({ type: 'order.send', clientRef: `after-revoke-${i}`, order });
      consoleSocket.send({ type: 'order.cancel', orderId: 'o-anything' });
      gatewaySocket.send({ type: 'hello', gatewayId: 'rogue-1', channel: 'public', areas: ['330100'], window: 10 });
      gatewaySocket.send({ type: 'health', state: 'down', areas: ['330100'] });
      gatewaySocket.send({ type: 'reply', from: '13800000001', text: '1' });
    }
    expect(await health()).toBe(200); // the frames above were read before this answer
    expect(await connected()).toBe(1);
    expect(consoleSocket.texts.length).toBe(seen);
    expect(((await (await api('/api/orders')).json()) as unknown[]).length).toBe(0);
    const states = (await (await api('/api/channels')).json()) as { channel: string; state: string }[];
    expect(states.filter((c) => c.channel === 'public' && c.state !== 'up')).toEqual([]);
    consoleSocket.destroy();
    gatewaySocket.destroy();
    await stillUp(revoked);
  });

  it("refuses hostile bytes on the console's routes and static files, and leaks nothing outside dist/console", async () => {
    const order = await api('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientRef: 'sockets-csv', order: { priority: 'routine', to: { areas: ['330102'] }, body: '请立即转移', ttlS: 600 } }),
    });
    const { orderId } = (await order.json()) as { orderId: string };
    await api(`/api/orders/${orderId}/cancel`, { method: 'POST' }); // final at once: the database goes quiet
    const before = await quietDigest();
    const auth = `Authorization: Bearer ${ADMIN}\r\n`;
    const post = (body: string | Buffer, extra = '') =>
      `POST /api/orders/preview HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`;
    const good = JSON.stringify({ order: { priority: 'flash', to: { areas: ['330102'] }, body: '立即转移' } });
    const answers: [string, RawAnswer][] = [];
    for (const [what, body] of [['not json', '{"order":'], ['invalid utf-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])], ['deep', '['.repeat(100_000)], ['proto', '{"__proto__":{"order":1}}'], ['empty', '']] as const)
      answers.push([`preview ${what}`, await rawRequest(child.url, [post(body), body])]);
    answers.push([`preview too big`, await rawRequest(child.url, [post('z'.repeat(2_200_000)), 'z'.repeat(2_200_000)])]);
    answers.push([`preview chunked garbage`, await rawRequest(child.url, [`POST /api/orders/preview HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n`])]);
    for (let i = 0; i < 10; i++) await rawRequest(child.url, [post(good), good.slice(0, 15)], { reset: true });
    // Query strings no parser expects, on the order view, its CSV and the directory search.
    for (const q of ['status=%ff%fe', 'area=%', 'q=%00', 'q=' + '%25'.repeat(3000), 'status[]=sent&status[x]=1', 'limit=1e400', 'after=%ef%bf%bf'])
      for (const path of [`/api/orders/${orderId}`, `/api/orders/${orderId}/csv`, '/api/directory'])
        answers.push([`${path}?${q}`, await rawRequest(child.url, [get(`${path}?${q}`)])]);
    for (const [what, a] of answers) if (a.status === null || a.status >= 500) throw new Error(`${what}: answered ${a.status} (${a.end})`);
    expect(answers.find(([w]) => w === 'preview too big')![1].status).toBe(413);
    expect(answers.filter(([w]) => w.startsWith('preview') && !w.endsWith('too big')).every(([, a]) => a.status === 400)).toBe(true);
    // A CSV whose client goes away as soon as it asked, many times: the export ends, nothing waits for ever.
    for (let i = 0; i < 20; i++) await rawRequest(child.url, [get(`/api/orders/${orderId}/csv`)], { reset: true });
    const csv = await api(`/api/orders/${orderId}/csv`);
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\r\n').length).toBeGreaterThan(2);
    // The console's static files: served, and nothing above their folder, however the path is spelt.
    expect((await rawRequest(child.url, [`GET / HTTP/1.1\r\nHost: x\r\n\r\n`])).text).toContain('<div id="app">');
    for (const t of ['/../package.json', '/..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fconfig%2ftokens.yaml', '/%00', '/index.html%00.js', '/assets/%ff'])
      for (const [, a] of [[t, await rawRequest(child.url, [`GET ${t} HTTP/1.1\r\nHost: x\r\n\r\n`])]] as const) {
        if (a.status === null || a.status >= 500) throw new Error(`${t}: answered ${a.status}`);
        expect(a.text).not.toMatch(/"name": "lifeline"|sha256/);
      }
    await stillUp(before);
  });
});
