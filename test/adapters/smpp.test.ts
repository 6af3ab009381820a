import { VirtualClock } from '@lifeline/clock';
import { readFileSync } from 'node:fs';
import { SmppAdapter, smppConfig } from '../../apps/gateway-smpp/src/smpp-adapter';
import { SmscSimulator } from '../../apps/far-end/src/smsc';
import { expectConformance, expectRestartSurvived, tempStateFile } from '../support/conformance';
import { testServer, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };

function adapterFor(url: string, token: string, smscPort: number, stateFile?: string) {
  return new SmppAdapter(
    smppConfig.parse({
      ...(stateFile ? { stateFile } : {}),
      router: { url, token },
      gatewayId: 'smsc-test',
      areas: ['330100'],
      window: 8,
      reconnect: { baseMs: 20, maxMs: 200 },
      smsc: { url: `smpp://127.0.0.1:${smscPort}`, systemId: 'lifeline', password: 'secret', sourceAddr: '12379', enquireLinkS: 1, reconnect: { baseMs: 20, maxMs: 200 } },
      throttle: { backoffMs: 5, maxRetries: 10 },
    }),
  );
}

describe('SMS centre adapter over SMPP 3.4 (e2e, SMSC simulator on loopback)', () => {
  let smsc: SmscSimulator;
  let port: number;

  beforeEach(async () => {
    smsc = new SmscSimulator({ systemId: 'lifeline', password: 'secret', deliverMs: [1, 10], invalidPrefix: '1990', replyProbability: 1, replyDelayMs: [1, 5] });
    port = await smsc.listen();
  });
  afterEach(() => smsc.close());

  it('passes the conformance kit, including a restart between a submit and its receipt', async () => {
    // Receipts slower than a restart, so the restart check proves the state file.
    const slow = new SmscSimulator({ systemId: 'lifeline', password: 'secret', deliverMs: [300, 400], invalidPrefix: '1990', replyProbability: 0 });
    const slowPort = await slow.listen();
    const stateFile = tempStateFile();
    try {
      await expectRestartSurvived({ channel: 'public', to: ['13800000001', '13800000002'], invalidTo: '19900000000' }, (url, token) => adapterFor(url, token, slowPort, stateFile));
    } finally {
      await slow.close();
    }
  });

  it('passes the conformance kit against an SMS centre with every field habit, restarted between a submit and its receipt', async () => {
    // Text-only receipts in the message's data coding (UCS-2), every other one before its
    // submit_sm_resp and the rest slower than a restart; answers from numbers in international form.
    const field = new SmscSimulator({
      systemId: 'lifeline', password: 'secret', deliverMs: [300, 400], invalidPrefix: '1990', replyProbability: 1, replyDelayMs: [1, 5],
      receipts: { form: 'text', dataCoding: 'message', beforeResponse: 'some' }, numberForm: 'international',
    });
    const fieldPort = await field.listen();
    const stateFile = tempStateFile();
    try {
      await expectRestartSurvived({ channel: 'public', to: ['13800000001', '13800000002'], invalidTo: '19900000000' }, (url, token) => adapterFor(url, token, fieldPort, stateFile));
      expect(field.stats.early).toBeGreaterThan(0);
      expect(field.stats.early).toBeLessThan(field.stats.receipts);
      expect(field.stats.mo).toBeGreaterThan(0);
    } finally {
      await field.close();
    }
  });

  describe('behind the router', () => {
    let s: TestServer;
    let adapter: SmppAdapter;

    beforeEach(async () => {
      s = await testServer({ simulators: 'pdt,tiantong,beidou' });
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-public', port);
      adapter.start();
      await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('public', '330100') === 'up'), 'the SMSC bind and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
    });

    const statusOf = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);

    it('sends a long Chinese order as UCS-2 segments the SMS centre rebuilds exactly; the SMS reply closes 叫应', async () => {
      const body = '台风“梅花”今晚登陆滨江县沿海，风力可达十四级。请立即组织沿海低洼地带、危旧房屋和渔船上的群众向避灾安置点转移，清点人数后上报。';
      const a = await s.lifeline.core.orders.accept(ADMIN, 'smpp-1', { priority: 'flash', to: { people: ['p-000001'] }, body, ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await statusOf(a.orderId)).acknowledged === 1), 'the acknowledgement');
      const m = smsc.messages[0];
      expect(m).toMatchObject({ to: '13096544257', from: '12379', text: expect.stringContaining(`[${a.ref}]`) });
      expect(m.parts).toBeGreaterThan(1);
      expect(m.text).toContain('请立即组织沿海低洼地带');
      expect(m.text).toContain('回复1确认');
      const view = (await s.lifeline.store.read.events.since(0, 100)).map((e) => e.payload as Record<string, unknown>).filter((e) => e.type === 'receipt').map((e) => e.status);
      expect(view).toEqual(['sending', 'sent', 'delivered', 'acknowledged']);
      expect(smsc.bindVersions).toEqual([0x34]); // the adapter speaks 3.4 and says so at bind
    });

    it('waits out ESME_RTHROTTLED and still delivers', async () => {
      smsc.throttleNext = 3;
      const a = await s.lifeline.core.orders.accept(ADMIN, 'smpp-2', { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await statusOf(a.orderId)).delivered === 1), 'delivery after throttling');
      expect(smsc.stats.throttled).toBe(3);
    });

    it.each([
      ['a command_length under 16, which npm smpp throws on', '0000000800000005'],
      ['a command_length under 5, on which npm smpp waits for ever without a word', '00000002'],
    ])('a mangled PDU from the centre (%s): the deaf link is closed and bound again, and delivers', async (_what, hex) => {
      smsc.sendRaw(Buffer.from(hex, 'hex'));
      // The silent case is found by its missing enquire_link responses: three periods of 1 s.
      await turnsUntil(async () => (await s.advance(0), smsc.stats.binds === 2 && s.lifeline.core.channelState('public', '330100') === 'up'), 'the rebind, and health up again', 20_000, 15_000);
      const a = await s.lifeline.core.orders.accept(ADMIN, `mangled-${hex.length}`, { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await statusOf(a.orderId)).delivered === 1), 'delivery over the new bind');
    });

    it('an SMS centre restart: health goes down and up again; receipts held meanwhile still arrive', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'smpp-3', { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), smsc.stats.submits === 1), 'the submit');
      smsc.dropSessions();
      await turnsUntil(async () => (await s.advance(0), smsc.stats.binds === 2), 'the rebind');
      await turnsUntil(async () => (await s.advance(0), (await statusOf(a.orderId)).delivered === 1), 'delivery after the rebind');
      expect(s.lifeline.core.channelState('public', '330100')).toBe('up');
    });
  });

  /**
   * The adapter restarted between a submit and its receipt (an upgrade, a crash): with a state
   * file the receipt that the SMS centre kept for the next bind still settles the attempt; without
   * one the delivery is left waiting for a receipt nobody can match.
   */
  describe('an adapter restart between submit and receipt', () => {
    let slow: SmscSimulator;
    let s: TestServer;
    let adapter: SmppAdapter;
    let slowPort: number;
    // The SMS centre's own clock: its receipt comes when the test says, after the restart, not
    // after a span of real time that a loaded machine may overrun before the adapter stops.
    let farClock: VirtualClock;

    beforeEach(async () => {
      farClock = new VirtualClock();
      slow = new SmscSimulator({ systemId: 'lifeline', password: 'secret', deliverMs: [1_500, 1_600], replyProbability: 0, clock: farClock });
      slowPort = await slow.listen();
      s = await testServer({ simulators: 'pdt,tiantong,beidou' });
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
      await slow.close();
    });

    for (const durable of [true, false])
      it(durable ? 'with a state file: the receipt after the restart settles the attempt' : 'without one: the receipt after the restart matches nothing', async () => {
        const stateFile = durable ? tempStateFile() : undefined;
        const url = s.url.replace('http', 'ws') + '/gateway';
        adapter = adapterFor(url, 'demo-gateway-public', slowPort, stateFile);
        adapter.start();
        await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('public', '330100') === 'up'), 'the SMSC bind and health up');
        const a = await s.lifeline.core.orders.accept(ADMIN, `restart-${durable}`, { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
        await turnsUntil(async () => (await s.advance(0), (await statusOf(a.orderId)).sent === 1), 'the submit accepted');
        await adapter.stop(); // before the receipt: the SMS centre keeps it for the next bind
        adapter = adapterFor(url, 'demo-gateway-public', slowPort, stateFile);
        adapter.start();
        await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('public', '330100') === 'up' && slow.stats.binds === 2), 'the new bind');
        await farClock.advance(2_000); // the handset's receipt reaches the SMS centre now
        if (durable) await turnsUntil(async () => (await s.advance(0), (await statusOf(a.orderId)).delivered === 1), 'delivery after the restart');
        else {
          // The new bind answered the receipt (read it): then a second order goes through the
          // router and back, and the first is still waiting for a receipt it will never match.
          await turnsUntil(async () => (await s.advance(0), slow.stats.receipts === 1 && slow.undelivered === 0), 'the receipt answered by the new bind');
          const b = await s.lifeline.core.orders.accept(ADMIN, 'after', { priority: 'flash', to: { people: ['p-000002'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
          await turnsUntil(async () => (await s.advance(0), await farClock.advance(100), (await statusOf(b.orderId)).delivered === 1), 'the second order delivered');
          expect(await statusOf(a.orderId)).toEqual({ sent: 1 });
        }
      });

    const statusOf = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);
  });

  /**
   * An SMS centre as some are in the field: text-only receipts in the message's data coding
   * (UCS-2 for Chinese), sent before the submit_sm_resp; people's numbers in international form;
   * a long answer in concatenated parts.
   */
  describe('behind the router, against an SMS centre with field habits', () => {
    let field: SmscSimulator;
    let s: TestServer;
    let adapter: SmppAdapter;
    let stateFile: string;
    /** The message ids the state file still keeps: every line replayed, as the adapter would at start. */
    const keptIds = () => {
      const live = new Set<string>();
      for (const line of readFileSync(stateFile, 'utf8').split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { k: string; v?: unknown };
        if (e.v === undefined) live.delete(e.k);
        else live.add(e.k);
      }
      return [...live];
    };

    beforeEach(async () => {
      field = new SmscSimulator({
        systemId: 'lifeline', password: 'secret', deliverMs: [1, 10], replyProbability: 0,
        receipts: { form: 'text', dataCoding: 'message', beforeResponse: true }, numberForm: 'international',
      });
      s = await testServer({ simulators: 'pdt,tiantong,beidou' });
      stateFile = tempStateFile();
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-public', await field.listen(), stateFile);
      adapter.start();
      await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('public', '330100') === 'up'), 'the SMSC bind and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
      await field.close();
    });

    it('settles deliveries by UCS-2-coded text receipts that come before the submit response', async () => {
      const body = '台风“梅花”今晚登陆滨江县沿海，风力可达十四级。请立即组织沿海低洼地带、危旧房屋和渔船上的群众向避灾安置点转移，清点人数后上报，转移途中注意避开河道和山体。';
      const a = await s.lifeline.core.orders.accept(ADMIN, 'field-1', { priority: 'flash', to: { people: ['p-000001'] }, body, ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === 1), 'the delivery receipt');
      expect(field.messages[0].parts).toBeGreaterThan(1);
      expect(field.stats.receipts).toBe(field.messages[0].parts);
      // Receipts that came before their submit responses settled their ids for good: none is kept.
      expect(keptIds()).toEqual([]);
    });

    it('matches a long reply from a number in international form to its person, as one reply', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'field-2', { priority: 'flash', to: { people: ['p-000001'] }, body: '请回复。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).delivered === 1), 'the delivery');
      const replies: string[] = [];
      const sub = s.lifeline.core.replies$.subscribe((r) => replies.push(r.text));
      const text = `${a.ref} 1 收到。沿海三个村的群众已经全部转移到镇中学安置点，共计一百二十七人，其中老人二十一人、儿童十九人，无人员受伤，请指示下一步。`;
      field.mo('13096544257', '12379', text);
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
      sub.unsubscribe();
      expect(replies).toEqual([text]);
    });
  });
});
