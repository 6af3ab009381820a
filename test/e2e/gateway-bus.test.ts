import { GATEWAY_BUS, LINK_HEADERS } from '@lifeline/contracts';
import { GatewayClient, type SendFrame } from '@lifeline/gateway-sdk';
import { connect, headers, type NatsConnection } from 'nats';
import { waitFor } from '../support/child';
import { TestNats } from '../support/nats';
import { testServer, TOKENS, type TestServer } from '../support/server';
import { pacedAdvance, turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };
const ORDER = { priority: 'flash' as const, to: { areas: ['330102001'], roles: ['town-official'] }, body: '请各镇干部立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 };
const enc = (v: unknown) => (v instanceof Uint8Array ? v : new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v)));
const dec = (d: Uint8Array) => JSON.parse(new TextDecoder().decode(d));

/** The gateway link over NATS (contract section 5): an SDK gateway, and a raw NATS client that misbehaves. */
describe('gateway link over NATS', () => {
  let nats: TestNats;
  let s: TestServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await TestNats.start();
  });
  afterAll(() => nats.stop());
  beforeEach(async () => {
    s = await testServer({ simulators: 'none', tweak: (c) => (c.cluster.bus = nats.url) });
    nc = await connect({ servers: nats.url });
    // The router listens on the bus once its connection is up.
    await waitFor(async () => (await nc.request(GATEWAY_BUS.alive('0123456789abcdef'), enc({}), { timeout: 1000 }).then(() => true, () => false)), 'the router on the bus');
  });
  afterEach(async () => {
    await nc.close();
    await s.close();
  });

  const gateways = () => s.lifeline.core.gateways.connected('pdt').map((g) => g.gatewayId);
  const counts = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);
  const ask = async (subject: string, body: unknown, h?: Record<string, string>) => {
    const hd = headers();
    for (const [k, v] of Object.entries(h ?? {})) hd.set(k, v);
    return dec((await nc.request(subject, enc(body), { timeout: 2000, headers: hd })).data);
  };
  /** Opens a link as a gateway would; its secret goes with every later message. */
  const openLink = async (token: string, link: string) => {
    const a = await ask(GATEWAY_BUS.open, { token, link });
    expect(a).toEqual({ ok: true, secret: expect.any(String) });
    let n = 0;
    return {
      say: (frame: unknown, seq = ++n) => ask(GATEWAY_BUS.from(link), frame, { [LINK_HEADERS.secret]: a.secret, [LINK_HEADERS.seq]: String(seq) }),
      beat: () => ask(GATEWAY_BUS.alive(link), {}, { [LINK_HEADERS.secret]: a.secret }),
    };
  };

  it('delivers an order through an SDK gateway linked over NATS, its window kept', async () => {
    const handed: SendFrame[] = [];
    const gateway: GatewayClient = new GatewayClient({
      url: nats.url, token: TOKENS.pdt, gatewayId: 'radio-bus', channel: 'pdt', areas: ['330100'], window: 3, clock: s.clock,
      onSend: (f) => {
        handed.push(f);
        gateway.accepted(f.attemptId);
        gateway.delivered(f.attemptId);
      },
    });
    gateway.start();
    try {
      await turnsUntil(() => gateways().includes('radio-bus'), 'the hello over NATS');
      const a = await s.lifeline.core.orders.accept(ADMIN, 'bus-1', ORDER);
      const advance = pacedAdvance((ms) => s.advance(ms));
      await turnsUntil(async () => (await advance(), (await counts(a.orderId)).delivered === a.deliveries), 'every delivery delivered', 250);
      expect(new Set(handed.map((f) => f.attemptId)).size).toBe(handed.length);
      expect(gateway.stats.refused).toBe(0);
    } finally {
      await gateway.stop();
    }
    // The gateway said bye: its session is gone at once, not after the silence (6 s).
    await turnsUntil(() => !gateways().includes('radio-bus'), 'the link closed', 20_000, 4_000);
  });

  it('refuses links it should, reads nothing it cannot, and stays up', async () => {
    expect(await ask(GATEWAY_BUS.open, { token: 'nope', link: 'aaaaaaaaaaaaaaaa' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'unauthorized' }) });
    expect(await ask(GATEWAY_BUS.open, { token: TOKENS.console, link: 'aaaaaaaaaaaaaaaa' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
    for (const junk of ['not json', { token: TOKENS.pdt }, { token: TOKENS.pdt, link: 'a.b' }, { token: TOKENS.pdt, link: 'a.b.eeeeeeeeeeeeeeee' }, { token: TOKENS.pdt, link: 'a*.eeeeeeeeeeeeeeee' }, { token: TOKENS.pdt, link: '.eeeeeeeeeeeeeeee' }, { token: TOKENS.pdt, link: 'x'.repeat(65) }, { token: TOKENS.pdt, link: 'eeeeeeeeeeeeeeee', secret: 'short' }, { token: TOKENS.pdt, link: 'eeeeeeeeeeeeeeee', secret: 'a.b'.repeat(20) }, { token: TOKENS.pdt, link: 'eeeeeeeeeeeeeeee', secret: 7 }])
      expect((await ask(GATEWAY_BUS.open, junk)).ok).toBe(false);
    expect(await ask(GATEWAY_BUS.from('bbbbbbbbbbbbbbbb'), { type: 'hello' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_link' }) });
    // An open link: a frame that is not JSON, or not a frame, is answered with an error frame on the link, as on a socket.
    const link = 'cccccccccccccccc';
    const said: unknown[] = [];
    nc.subscribe(GATEWAY_BUS.to(link), { callback: (_e, m) => said.push(dec(m.data)) });
    const l = await openLink(TOKENS.pdt, link);
    expect(await ask(GATEWAY_BUS.open, { token: TOKENS.pdt, link })).toEqual({ ok: false, error: expect.objectContaining({ code: 'conflict' }) });
    // Without the link's secret a message speaks for nobody: another client cannot talk for this gateway.
    expect(await ask(GATEWAY_BUS.from(link), { type: 'hello' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_link' }) });
    expect(await ask(GATEWAY_BUS.from(link), { type: 'hello' }, { [LINK_HEADERS.secret]: 'A'.repeat(32) })).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_link' }) });
    expect(await l.say('not json')).toEqual({ ok: true });
    expect(await l.say({ type: 'hello', gatewayId: 'x', channel: 'public', areas: ['330100'], window: 1 })).toEqual({ ok: true });
    // Said again with its number (its answer was lost): taken once, so no second error frame.
    expect(await l.say({ type: 'hello', gatewayId: 'x', channel: 'public', areas: ['330100'], window: 1 }, 2)).toEqual({ ok: true });
    expect(await l.say(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: true }); // not UTF-8
    await waitFor(async () => said.length === 3, 'three error frames');
    expect(said).toEqual([
      { type: 'error', error: expect.objectContaining({ code: 'bad_frame' }) },
      { type: 'error', error: expect.objectContaining({ code: expect.any(String) }) },
      { type: 'error', error: expect.objectContaining({ code: expect.any(String) }) },
    ]);
    expect(await l.beat()).toEqual({ ok: true });
    // A pile of frames at once (a gateway sends one at a time): those past the limit are refused
    // as busy, the rest taken, and the link still answers.
    const pile = await Promise.all(Array.from({ length: 300 }, (_, i) => l.say({ type: 'health', state: 'up', areas: ['330100'] }, 100 + i)));
    expect(pile.filter((a) => a.ok).length).toBeGreaterThan(0);
    expect(pile.filter((a) => !a.ok).every((a) => a.error.code === 'busy')).toBe(true);
    expect(pile.filter((a) => !a.ok).length).toBeGreaterThan(0);
    expect(await l.beat()).toEqual({ ok: true });
    // Opens at once past the limit are answered busy, not queued.
    const opens = await Promise.all(Array.from({ length: 200 }, (_, i) => ask(GATEWAY_BUS.open, { token: `guess-${i}`, link: `guess${String(i).padStart(11, '0')}` })));
    expect(opens.every((a) => !a.ok && ['unauthorized', 'busy'].includes(a.error.code))).toBe(true);
    expect(opens.some((a) => !a.ok && a.error.code === 'busy')).toBe(true);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('cuts the link of a revoked token at its next beat, and drops a silent one as a closed socket', async () => {
    const made = await (await fetch(`${s.url}/api/tokens`, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'gateway', name: 'radio 9', channel: 'pdt' }) })).json() as { id: string; token: string };
    const link = 'dddddddddddddddd';
    let closed: unknown = null;
    nc.subscribe(GATEWAY_BUS.closed(link), { callback: (_e, m) => (closed = dec(m.data)) });
    const revoked = await openLink(made.token, link);
    expect(await revoked.say({ type: 'hello', gatewayId: 'radio-9', channel: 'pdt', areas: ['330100'], window: 1 })).toEqual({ ok: true });
    await turnsUntil(() => gateways().includes('radio-9'), 'the hello');
    await fetch(`${s.url}/api/tokens/${made.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKENS.admin}` } });
    // At once, as a socket is cut: not at the link's next beat.
    await turnsUntil(() => !gateways().includes('radio-9'), 'the session gone', 20_000, 1_000);
    await waitFor(async () => closed !== null, 'the link closed');
    expect(closed).toEqual({ reason: 'token revoked' });
    expect(await revoked.beat()).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_link' }) });

    const quiet = 'eeeeeeeeeeeeeeee';
    let silenced: unknown = null;
    nc.subscribe(GATEWAY_BUS.closed(quiet), { callback: (_e, m) => (silenced = dec(m.data)) });
    const q = await openLink(TOKENS.pdt, quiet);
    expect(await q.say({ type: 'hello', gatewayId: 'radio-quiet', channel: 'pdt', areas: ['330100'], window: 1 })).toEqual({ ok: true });
    await turnsUntil(() => gateways().includes('radio-quiet'), 'the hello');
    // No beat: after LINK_SILENT_MS the router drops the link, as a closed socket.
    await waitFor(async () => silenced !== null, 'the silent link dropped', 20_000);
    expect(silenced).toEqual({ reason: 'silent' });
    expect(await q.beat()).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_link' }) });
  }, 30_000);
});
