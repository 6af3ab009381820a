import { GatewayClient, type Link, type SendFrame } from '@lifeline/gateway-sdk';
import { testServer, TOKENS, type TestServer } from '../support/server';
import { pacedAdvance, turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };
const ORDER = { priority: 'flash' as const, to: { areas: ['330102001'], roles: ['town-official'] }, body: '请各镇干部立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 };

describe('gateway SDK against the router (e2e)', () => {
  let s: TestServer;
  let client: GatewayClient;
  const handed: SendFrame[] = [];
  let answer = true;

  beforeEach(async () => {
    handed.length = 0;
    answer = true;
    s = await testServer({ simulators: 'none' });
    client = sdkGateway();
    client.start();
    await turnsUntil(() => s.lifeline.core.gateways.connected('pdt').length === 1, 'the hello');
  });

  /** The adapter process: hands sends to `handed`, and answers them while `answer` says so. */
  function sdkGateway(): GatewayClient {
    const gateway: GatewayClient = new GatewayClient({
      url: s.url.replace('http', 'ws') + '/gateway',
      token: TOKENS.pdt,
      gatewayId: 'radio-sdk',
      channel: 'pdt',
      areas: ['330100'],
      window: 3,
      clock: s.clock,
      random: () => 0.5,
      onSend: (f) => {
        handed.push(f);
        if (answer) {
          gateway.accepted(f.attemptId);
          gateway.delivered(f.attemptId);
        }
      },
    });
    return gateway;
  }

  afterEach(async () => {
    await client.stop();
    await s.close();
  });

  const counts = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);

  it('delivers an order through an SDK gateway, never more than its window at once', async () => {
    const a = await s.lifeline.core.orders.accept(ADMIN, 'sdk-1', ORDER);
    await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === a.deliveries), 'every delivery delivered');
    expect(new Set(handed.map((f) => f.attemptId)).size).toBe(handed.length);
    expect(client.stats.refused).toBe(0);
  });

  it('fails over: once the link grace has passed, a second gateway of the channel takes the unanswered attempts of one that left', async () => {
    const taken: string[] = [];
    const other = new GatewayClient({
      url: s.url.replace('http', 'ws') + '/gateway', token: TOKENS.pdt, gatewayId: 'radio-sdk-2', channel: 'pdt', areas: ['330100'], window: 3, clock: s.clock,
      onSend: (f) => {
        taken.push(f.attemptId);
        other.accepted(f.attemptId);
        other.delivered(f.attemptId);
      },
    });
    answer = false;
    other.start();
    try {
      await turnsUntil(() => s.lifeline.core.gateways.connected('pdt').length === 2, 'both hellos');
      const a = await s.lifeline.core.orders.accept(ADMIN, 'sdk-2', ORDER);
      await turnsUntil(async () => (await s.advance(0), handed.length === 3), 'a full window at the first gateway');
      await client.stop(); // gone for good, not a blip
      // Advancing 100 ms a turn lets the 370MHz sites' token buckets refill; the link grace is 10 s,
      // the accept timeout 30 s.
      const advance = pacedAdvance((ms) => s.advance(ms));
      await turnsUntil(async () => (await advance(), (await counts(a.orderId)).delivered === a.deliveries), 'every delivery delivered', 250);
      // The same attempts, not new ones: the other gateway took them when the grace ended, before any timeout.
      expect(taken).toEqual(expect.arrayContaining(handed.map((f) => f.attemptId)));
      expect(s.lifeline.core.stats().dispatcher.silent).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('alone on its channel, a link blip: the gateway keeps what it was handed, nothing is sent twice, the channel is never down', async () => {
    answer = false;
    const a = await s.lifeline.core.orders.accept(ADMIN, 'sdk-3', ORDER);
    await turnsUntil(async () => (await s.advance(0), handed.length === 3), 'a full window handed to the adapter');
    (client as unknown as { link: Link }).link.drop();
    await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('pdt', '330102001') === 'degraded'), 'the channel degraded while the link is away');
    // Answers given while the link is down are kept and said after the next hello.
    for (const f of handed) client.delivered(f.attemptId);
    answer = true;
    await s.advance(1_000); // the first back-off step, well within the link grace
    await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === a.deliveries), 'every delivery delivered');
    expect(client.stats.connects).toBe(2);
    expect(new Set(handed.map((f) => f.attemptId)).size).toBe(handed.length); // no second transmission
    const states = (await s.lifeline.store.read.events.since(0, 1000)).map((e) => e.payload as { type: string; channel?: string; state?: string });
    expect(states.filter((e) => e.type === 'channel' && e.channel === 'pdt' && e.state === 'down')).toEqual([]);
  });

  it('alone on its channel, gone past the grace: its deliveries wait queued, and go again once a gateway is back', async () => {
    answer = false;
    const a = await s.lifeline.core.orders.accept(ADMIN, 'sdk-4', ORDER);
    await turnsUntil(async () => (await s.advance(0), handed.length === 3), 'a full window handed to the adapter');
    await client.stop();
    await s.advance(s.lifeline.config.engine.linkGraceS * 1000);
    await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).queued === a.deliveries), 'every delivery queued: no gateway, channel down');
    answer = true;
    handed.length = 0;
    client = sdkGateway(); // the adapter started again
    client.start();
    await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === a.deliveries), 'every delivery delivered');
    expect(handed.length).toBeGreaterThanOrEqual(a.deliveries);
  });
});
