import { createHash } from 'node:crypto';
import { GATEWAY_BUS, LINK_HEADERS } from '@lifeline/contracts';
import { GatewayClient, natsServers } from '@lifeline/gateway-sdk';
import { connect, type NatsConnection } from 'nats';
import { resolve } from 'node:path';
import { spawnRouter, type RouterProcess } from '../../scripts/lib/router-process';
import { BusLink } from '../../apps/router/src/cluster/bus-link';
import { fastConfig, tempDir, waitFor } from '../support/child';
import { TestNats } from '../support/nats';
import { testServer, TOKENS, type TestServer } from '../support/server';
import { pacedAdvance, turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };
const ORDER = { priority: 'flash' as const, to: { areas: ['330102001'], roles: ['town-official'] }, body: '请各镇干部立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 };
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/**
 * The bus as the README tells operators to run it: NATS with a user for the nodes and one for
 * gateways, whose permissions reach only the gateway link's subjects. Credentials go in the bus
 * URL (`nats://user:password@host:port`), as NATS tools take them.
 */
const NATS_CONF = `
authorization {
  users = [
    { user: node, password: node-pw }
    { user: gw, password: gw-pw, permissions: {
        publish: ["lifeline.gateway.open", "lifeline.gateway.*.from", "lifeline.gateway.*.alive", "lifeline.gateway.*.bye"],
        subscribe: ["lifeline.gateway.*.to", "lifeline.gateway.*.closed", "_INBOX_GATEWAY.>"] } }
    ${['radio-a', 'radio-b'].map(ownUser).join('\n    ')}
  ]
}
`;

/** A user of one gateway's own (`router.linkOwner: <name>`): its links' subjects and answers, no other's. */
function ownUser(name: string): string {
  return `{ user: ${name}, password: ${name}-pw, permissions: {
        publish: ["lifeline.gateway.open", "lifeline.gateway.${name}.*.from", "lifeline.gateway.${name}.*.alive", "lifeline.gateway.${name}.*.bye"],
        subscribe: ["lifeline.gateway.${name}.*.to", "lifeline.gateway.${name}.*.closed", "_INBOX_GATEWAY.${name}.>"] } }`;
}

describe('a bus with authentication and permissions', () => {
  let nats: TestNats;
  let s: TestServer;
  const url = (user: string, pass: string) => `nats://${user}:${pass}@127.0.0.1:${nats.port}`;
  beforeAll(async () => {
    nats = await TestNats.start(NATS_CONF);
    s = await testServer({ simulators: 'none', tweak: (c) => (c.cluster.bus = url('node', 'node-pw')) });
  });
  afterAll(async () => {
    await s.close();
    await nats.stop();
  });

  it('takes credentials from the bus URL: the node listens, a follower link connects; no password or a wrong one is refused', async () => {
    const nc: NatsConnection = await connect(natsServers(url('node', 'node-pw')));
    try {
      // The active node answers on the bus (a refusal: the request is not an order).
      await waitFor(async () => nc.request('lifeline.orders.accept', enc({ data: {} }), { timeout: 1000 }).then(() => true, () => false), 'the node on the bus');
    } finally {
      await nc.close();
    }
    const link = new BusLink(url('node', 'node-pw'), 'site-b', 50);
    const wrong = new BusLink(url('node', 'guess'), 'site-c', 50);
    try {
      await waitFor(async () => link.connected, 'the follower link up');
      expect(wrong.connected).toBe(false);
    } finally {
      await link.close();
      await wrong.close();
    }
    for (const servers of [`nats://127.0.0.1:${nats.port}`, url('gw', 'node-pw')])
      await expect(connect({ servers })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
  });

  it("lets a gateway's user link and deliver, and nothing else: the nodes' subjects, other gateways' tokens and the router's voice are out of its reach", async () => {
    const handed: string[] = [];
    const gateway: GatewayClient = new GatewayClient({
      url: url('gw', 'gw-pw'), token: TOKENS.pdt, gatewayId: 'radio-auth', channel: 'pdt', areas: ['330100'], window: 3, clock: s.clock,
      onSend: (f) => {
        handed.push(f.attemptId);
        gateway.accepted(f.attemptId);
        gateway.delivered(f.attemptId);
      },
    });
    // Another gateway's user listens everywhere it may, and where it may not (NATS refuses that
    // subscription): it must never see the linking gateway's token or link secret.
    const spy = await connect({ ...natsServers(url('gw', 'gw-pw')), inboxPrefix: GATEWAY_BUS.inbox });
    const heard: { subject: string; text: string; secret: string | undefined }[] = [];
    for (const subject of ['lifeline.gateway.>', 'lifeline.gateway.*.to', '_INBOX_GATEWAY.>', '_INBOX.>'])
      spy.subscribe(subject, { callback: (e, m) => !e && heard.push({ subject: m.subject, text: new TextDecoder().decode(m.data), secret: m.headers?.get(LINK_HEADERS.secret) }) });
    gateway.start();
    try {
      await turnsUntil(() => s.lifeline.core.gateways.connected('pdt').some((g) => g.gatewayId === 'radio-auth'), 'the hello over NATS');
      const a = await s.lifeline.core.orders.accept(ADMIN, 'auth-1', ORDER);
      const advance = pacedAdvance((ms) => s.advance(ms));
      await turnsUntil(async () => (await advance(), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === a.deliveries), 'every delivery delivered', 250);
      // What the spy could read: the router's frames to the link and its answers to gateways
      // (NATS cannot scope those to a link id), never a token, a secret, or what the gateway said.
      expect(heard.length).toBeGreaterThan(0);
      expect(heard.every((h) => /\.to$|^_INBOX_GATEWAY\./.test(h.subject) && !h.text.includes(TOKENS.pdt) && !h.text.includes('secret') && !h.secret)).toBe(true);
      // It knows the link's subject now: a forged send published there is refused by NATS and
      // never reaches the gateway.
      const subject = heard.find((h) => h.subject.endsWith('.to'))!.subject;
      spy.publish(subject, enc({ type: 'send', attemptId: 'o-forged:p-000001#1', orderId: 'o-forged', ref: 'ZZZZ', to: '13800000000', priority: 'flash', text: '假警报：全体撤离', ackRequired: false }));
      spy.publish(subject.replace(/\.to$/, '.closed'), enc({ reason: 'forged' }));
      await spy.flush().catch(() => undefined);
      const b = await s.lifeline.core.orders.accept(ADMIN, 'auth-2', ORDER); // the link still carries real sends
      await turnsUntil(async () => (await advance(), (await s.lifeline.store.read.deliveries.countsByStatus(b.orderId)).delivered === b.deliveries), 'the next order delivered', 250);
      expect(handed).not.toContain('o-forged:p-000001#1');
    } finally {
      await gateway.stop();
      await spy.close().catch(() => undefined);
    }
    const before = (await s.lifeline.store.read.orders.list('all')).length;
    const gw = await connect({ ...natsServers(url('gw', 'gw-pw')), inboxPrefix: GATEWAY_BUS.inbox });
    try {
      // An order on the nodes' subject, even with a token that may send one: refused by NATS.
      const order = { pattern: 'lifeline.orders.accept', id: '1', data: { tokenHash: createHash('sha256').update(TOKENS.console).digest('hex'), clientRef: 'from-a-gateway', order: ORDER } };
      await expect(gw.request('lifeline.orders.accept', enc(order), { timeout: 1000 })).rejects.toThrow();
      // Its own subjects still answer.
      expect(JSON.parse(new TextDecoder().decode((await gw.request(GATEWAY_BUS.open, enc({ token: 'nope', link: 'aaaaaaaaaaaaaaaa' }), { timeout: 2000 })).data))).toMatchObject({ ok: false });
    } finally {
      await gw.close();
    }
    expect((await s.lifeline.store.read.orders.list('all')).length).toBe(before);
  });
});

describe('a bus where each gateway has a NATS user of its own', () => {
  let nats: TestNats;
  let s: TestServer;
  const url = (user: string) => `nats://${user}:${user}-pw@127.0.0.1:${nats.port}`;
  beforeAll(async () => {
    nats = await TestNats.start(NATS_CONF);
    s = await testServer({ simulators: 'none', tweak: (c) => (c.cluster.bus = `nats://node:node-pw@127.0.0.1:${nats.port}`) });
  });
  afterAll(async () => {
    await s.close();
    await nats.stop();
  });

  it("keeps each gateway's sends from the others: a gateway's links carry its owner, and another gateway's user can read none of them", async () => {
    const handed: string[] = [];
    const gateway: GatewayClient = new GatewayClient({
      url: url('radio-a'), token: TOKENS.pdt, linkOwner: 'radio-a', gatewayId: 'radio-a', channel: 'pdt', areas: ['330100'], window: 3, clock: s.clock,
      onSend: (f) => {
        handed.push(f.attemptId);
        gateway.accepted(f.attemptId);
        gateway.delivered(f.attemptId);
      },
    });
    // The other gateway's user asks for everything, and NATS gives it only its own subjects.
    const other = await connect({ ...natsServers(url('radio-b')), inboxPrefix: GATEWAY_BUS.inboxOf('radio-b') });
    const heard: string[] = [];
    for (const subject of ['lifeline.gateway.>', 'lifeline.gateway.*.*.to', 'lifeline.gateway.radio-a.*.to', '_INBOX_GATEWAY.>', 'lifeline.gateway.radio-b.*.to'])
      other.subscribe(subject, { callback: (e, m) => !e && heard.push(m.subject) });
    gateway.start();
    try {
      await turnsUntil(() => s.lifeline.core.gateways.connected('pdt').some((g) => g.gatewayId === 'radio-a'), 'the hello over its own link');
      const a = await s.lifeline.core.orders.accept(ADMIN, 'own-1', ORDER);
      const advance = pacedAdvance((ms) => s.advance(ms));
      await turnsUntil(async () => (await advance(), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === a.deliveries), 'every delivery delivered', 250);
      expect(handed).toHaveLength(a.deliveries);
      await other.flush().catch(() => undefined);
      expect(heard).toEqual([]);
    } finally {
      await gateway.stop();
      await other.close().catch(() => undefined);
    }
    // Without its owner in the link id, the same user cannot link at all: its permissions name it.
    const bare = await connect({ ...natsServers(url('radio-a')), inboxPrefix: GATEWAY_BUS.inboxOf('radio-a') });
    try {
      await expect(bare.request(GATEWAY_BUS.from('aaaaaaaaaaaaaaaa'), enc({}), { timeout: 500 })).rejects.toThrow();
    } finally {
      await bare.close().catch(() => undefined);
    }
  });
});

/**
 * The bus over TLS, as between sites: the server's certificate is checked against the system's
 * CAs and those of NODE_EXTRA_CA_CERTS (Node's own setting: a private CA needs nothing of ours).
 */
describe('a bus over TLS', () => {
  const TLS = resolve('test/support/tls');
  let nats: TestNats;
  const routers: RouterProcess[] = [];
  beforeAll(async () => {
    nats = await TestNats.start(`tls { cert_file: "${TLS}/server.pem", key_file: "${TLS}/server.key" }`);
  });
  afterAll(async () => {
    for (const r of routers) r.proc.kill('SIGKILL');
    await Promise.all(routers.map((r) => r.exited));
    await nats.stop();
  });

  const start = async (env: Record<string, string>) => {
    let log = '';
    const dir = tempDir();
    const r = await spawnRouter({ LIFELINE_DB: `${dir}/l.db`, LIFELINE_CONFIG: fastConfig(dir), LIFELINE_SIMULATORS: 'none', ...env }, { onStderr: (d) => (log += String(d)) });
    routers.push(r);
    await r.listening;
    const busUp = async () => /^lifeline_bus_up 1$/m.test(await (await fetch(`${r.url}/metrics`, { headers: { Authorization: `Bearer ${TOKENS.metrics}` } })).text());
    return { busUp, log: () => log };
  };

  it('joins with the CA given to Node, and refuses a server it cannot verify, saying why', async () => {
    const trusting = await start({ LIFELINE_BUS: `tls://127.0.0.1:${nats.port}`, NODE_EXTRA_CA_CERTS: `${TLS}/ca.pem` });
    await waitFor(trusting.busUp, 'the node on the bus over TLS');
    const doubting = await start({ LIFELINE_BUS: `nats://127.0.0.1:${nats.port}` });
    await waitFor(async () => /certificate/.test(doubting.log()), 'the refusal in the log');
    expect(await doubting.busUp()).toBe(false);
  });
});
