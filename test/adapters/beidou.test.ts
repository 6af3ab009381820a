import { BeidouAdapter, beidouConfig } from '../../apps/gateway-beidou/src/beidou-adapter';
import { BeidouTerminalSimulator } from '../../apps/far-end/src/beidou-terminal';
import { ptyPair } from '../../apps/far-end/src/pty-pair';
import { payloadBits } from '../../apps/gateway-beidou/src/rdss';
import { seededRandom } from '@lifeline/domain';
import { expectConformance, expectRestartSurvived, tempStateFile } from '../support/conformance';
import { testServer, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };

function adapterFor(url: string, token: string, path: string, probeS = 60, stateFile?: string) {
  return new BeidouAdapter(
    beidouConfig.parse({ ...(stateFile ? { stateFile } : {}), router: { url, token }, gatewayId: 'beidou-test', areas: ['330100'], window: 4, reconnect: { baseMs: 20, maxMs: 200 }, serial: { path }, feedbackTimeoutS: 2, probeS }),
  );
}

/**
 * A terminal with every field habit on: answers in Chinese mode as raw GB2312, lowercase checksums
 * on every sentence, output a few bytes at a time, and the satellite's feedback slower than an
 * adapter restart. The seed is printed, to replay a failure.
 */
function fieldTerminal(path: string, o: { level?: number; intervalS?: number } = {}): BeidouTerminalSimulator {
  const seed = 20261206;
  process.stdout.write(`field terminal seed ${seed}\n`);
  return new BeidouTerminalSimulator({
    path, address: '0242286', intervalS: o.intervalS ?? 0.05, level: o.level ?? 2, replyProbability: 1, random: seededRandom(seed),
    replies: { mode: 'chinese-raw' }, lowercaseChecksums: true, pieces: true, feedbackMs: [300, 400],
  });
}

describe('Beidou terminal adapter over RDSS 2.1 sentences (e2e, terminal simulator on a pty pair)', () => {
  let pty: Awaited<ReturnType<typeof ptyPair>>;
  let terminal: BeidouTerminalSimulator;

  beforeEach(async () => {
    pty = await ptyPair();
    terminal = new BeidouTerminalSimulator({ path: pty.b, address: '0242286', intervalS: 0.05, level: 3, replyProbability: 1 });
    await terminal.start();
  });
  afterEach(async () => {
    await terminal.stop();
    await pty.stop();
  });

  it('passes the conformance kit against a terminal that answers at once', async () => {
    await expectConformance({ channel: 'beidou', to: ['0451736', '0451737'], stepTimeoutMs: 15_000 }, (url, token) => adapterFor(url, token, pty.a));
  });

  it('passes the conformance kit against a terminal with every field habit, restarted between a send and its feedback', async () => {
    await terminal.stop();
    terminal = fieldTerminal(pty.b);
    await terminal.start();
    const stateFile = tempStateFile();
    // The send on air at the restart is in the state file; its feedback, read by the new adapter, settles it.
    await expectRestartSurvived({ channel: 'beidou', to: ['0451736', '0451737'], stepTimeoutMs: 15_000 }, (url, token) => adapterFor(url, token, pty.a, 60, stateFile));
    expect(terminal.oversize).toEqual([]);
  });

  describe('behind the router', () => {
    let s: TestServer;
    let adapter: BeidouAdapter;
    const state = () => s.lifeline.core.channelState('beidou', '330102');

    beforeEach(async () => {
      s = await testServer({ simulators: 'none' });
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-beidou', pty.a, 0.3);
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'card info and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
    });

    it('sends a long order cut to the card level with its ref, paced by the service interval; the answer closes 叫应', async () => {
      const body = '山洪预警：上游水库泄洪，请立即组织沿河村庄群众撤离到高处安置点，清点人数后回报指挥部。'.repeat(3);
      const a = await s.lifeline.core.orders.accept(ADMIN, 'bd-1', { priority: 'flash', to: { people: ['p-000011'] }, body, ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
      expect(terminal.sent).toHaveLength(1);
      expect(terminal.sent[0]).toMatchObject({ to: '0451736', text: expect.stringMatching(new RegExp(`^\\[${a.ref}\\].*… 回复1确认$`)) });
      expect(payloadBits(terminal.sent[0].text, 2)).toBeLessThanOrEqual(628);
      expect(terminal.oversize).toEqual([]); // the card took it: the marker byte was counted
      expect(adapter.stats.waited).toBe(0);
    });

    it('a terminal that stops answering takes the Beidou channel down', async () => {
      terminal.silent = true;
      await turnsUntil(async () => (await s.advance(0), state() === 'down'), 'the channel down', 100_000);
    });
  });

  it('without feedback as delivery, a send is accepted only on the satellite\'s yes: a refused one fails and is not presumed delivered', async () => {
    const s = await testServer({ simulators: 'none', tweak: (c) => (c.channels.find((ch) => ch.id === 'beidou')!.presumeDeliveredS = 0) });
    const url = s.url.replace('http', 'ws') + '/gateway';
    const adapter = new BeidouAdapter(
      beidouConfig.parse({ router: { url, token: 'demo-gateway-beidou' }, gatewayId: 'beidou-test', areas: ['330100'], window: 4, reconnect: { baseMs: 20, maxMs: 200 }, serial: { path: pty.a }, feedbackTimeoutS: 2, probeS: 0.3, feedbackMeansDelivered: false }),
    );
    try {
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('beidou', '330102') === 'up'), 'card info and health up');
      terminal.inhibitNext = 1; // radio silence: the terminal refuses the send
      const a = await s.lifeline.core.orders.accept(ADMIN, 'bd-nofb-1', { priority: 'flash', to: { people: ['p-000011'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      const first = () => s.lifeline.store.read.attempts.get(`${a.orderId}:p-000011#1`);
      await turnsUntil(async () => (await s.advance(0), ['failed', 'delivered'].includes((await first())?.status ?? '')), 'the first attempt settled');
      expect((await first())!.status).toBe('failed');
      const b = await s.lifeline.core.orders.accept(ADMIN, 'bd-nofb-2', { priority: 'flash', to: { people: ['p-000011'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      // The channel's rate (a card sends once a minute): the router's clock moves on for the second send.
      await turnsUntil(async () => (await s.advance(1_000), (await s.lifeline.store.read.deliveries.countsByStatus(b.orderId)).delivered === 1), 'presumed delivered after the satellite took it');
      expect(terminal.sent).toHaveLength(1);
    } finally {
      await adapter.stop();
      await s.close();
    }
  });

  /** Terminals as they are: answers as raw GB2312 in Chinese mode, lowercase checksums, output in pieces, slow feedback, no card. */
  describe('behind the router, with a terminal that behaves like the field', () => {
    let fieldPty: Awaited<ReturnType<typeof ptyPair>>;
    let field: BeidouTerminalSimulator;
    let s: TestServer;
    let adapter: BeidouAdapter;
    const state = () => s.lifeline.core.channelState('beidou', '330102');

    beforeEach(async () => {
      fieldPty = await ptyPair();
      field = fieldTerminal(fieldPty.b);
      await field.start();
      s = await testServer({ simulators: 'none' });
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-beidou', fieldPty.a, 0.3);
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'card info and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
      await field.stop();
      await fieldPty.stop();
    });

    it('takes an answer sent as raw GB2312 bytes with a lowercase checksum', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'bd-raw', { priority: 'flash', to: { people: ['p-000011'] }, body: '请立即组织撤离。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
    });

    it('fits a long order to a level-2 card, marker byte included', async () => {
      const body = '山洪预警：3号水库泄洪，请立即组织沿河村庄群众撤离到高处安置点。'.repeat(3); // one ASCII byte: an odd count
      const a = await s.lifeline.core.orders.accept(ADMIN, 'bd-fit', { priority: 'flash', to: { people: ['p-000011'] }, body, ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === 1), 'the delivery');
      expect(field.oversize).toEqual([]);
    });

    it('after an adapter restart, a send inside the card\'s interval is refused by the terminal, waited out, and goes once', async () => {
      await adapter.stop();
      await field.stop();
      field = fieldTerminal(fieldPty.b, { intervalS: 2 }); // the card's interval: 2 s between sends
      await field.start();
      const stateFile = tempStateFile();
      const url = s.url.replace('http', 'ws') + '/gateway';
      adapter = adapterFor(url, 'demo-gateway-beidou', fieldPty.a, 0.3, stateFile);
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'card info and health up');
      const counts = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);
      const a = await s.lifeline.core.orders.accept(ADMIN, 'bd-first', { priority: 'flash', to: { people: ['p-000011'] }, body: '请立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === 1), 'the first send\'s feedback');
      // Restarted, the adapter no longer knows when the card last sent; the terminal does.
      await adapter.stop();
      adapter = adapterFor(url, 'demo-gateway-beidou', fieldPty.a, 0.3, stateFile);
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'health up after the restart');
      await s.advance(15_000); // the router's own pace for the channel (config: one send per 15 s)
      const b = await s.lifeline.core.orders.accept(ADMIN, 'bd-second', { priority: 'flash', to: { people: ['p-000011'] }, body: '请立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(b.orderId)).delivered === 1), 'the second send, after the wait', 40_000, 20_000);
      expect(field.stats.intervalRefusals).toBeGreaterThan(0);
      expect(adapter.stats.waited).toBeGreaterThan(0);
      // Each order went over the satellite once: the refused try is not a send.
      expect(field.sent.map((m) => /^\[(\w+)\]/.exec(m.text)?.[1])).toEqual([a.ref, b.ref]);
    });

    it('calls a terminal without a card down, and up once a card is in', async () => {
      field.noCard = true;
      await turnsUntil(async () => (await s.advance(0), state() === 'down'), 'the channel down for want of a card', 100_000);
      field.noCard = false;
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'the channel up with a card', 100_000);
    });
  });
});
