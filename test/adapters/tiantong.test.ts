import { TiantongAdapter, tiantongConfig } from '../../apps/gateway-tiantong/src/tiantong-adapter';
import { ModemSimulator } from '../../apps/far-end/src/modem';
import { ptyPair } from '../../apps/far-end/src/pty-pair';
import { seededRandom, smsSegments } from '@lifeline/domain';
import { expectConformance, expectRestartSurvived, tempStateFile } from '../support/conformance';
import { testServer, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };

function adapterFor(url: string, token: string, path: string, pollS = 30, stateFile?: string) {
  return new TiantongAdapter(
    tiantongConfig.parse({ ...(stateFile ? { stateFile } : {}), router: { url, token }, gatewayId: 'tiantong-test', areas: ['330100'], window: 4, reconnect: { baseMs: 20, maxMs: 200 }, serial: { path }, pollS, commandTimeoutS: 2 }),
  );
}

describe('Tiantong satellite phone adapter over AT commands in PDU mode (e2e, modem simulator on a pty pair)', () => {
  let pty: Awaited<ReturnType<typeof ptyPair>>;
  let modem: ModemSimulator;

  beforeEach(async () => {
    pty = await ptyPair();
    modem = new ModemSimulator({ path: pty.b, reportMs: [1, 10], invalidPrefix: '1749', replyProbability: 1 });
    await modem.start();
  });
  afterEach(async () => {
    await modem.stop();
    await pty.stop();
  });

  it('passes the conformance kit, including a restart between a submit and its status report', async () => {
    // Status reports slower than a restart, so the restart check proves the state file: the modem
    // holds what it reports while no one reads the line, as a serial port does.
    await modem.stop();
    modem = new ModemSimulator({ path: pty.b, reportMs: [400, 500], invalidPrefix: '1749', replyProbability: 0 });
    await modem.start();
    const stateFile = tempStateFile();
    await expectRestartSurvived({ channel: 'tiantong', to: ['17400000001', '17400000002'], invalidTo: '17490000000' }, (url, token) => adapterFor(url, token, pty.a, 30, stateFile));
  });

  describe('behind the router', () => {
    let s: TestServer;
    let adapter: TiantongAdapter;
    const state = () => s.lifeline.core.channelState('tiantong', '330100');

    beforeEach(async () => {
      s = await testServer({ simulators: 'none' });
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-tiantong', pty.a, 0.2);
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'signal, registration and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
    });

    it('sends a long order as concatenated UCS-2 PDUs, confirmed by status reports; the answer read with AT+CMGR closes 叫应', async () => {
      const body = '台风“梅花”今晚登陆滨江县沿海，风力可达十四级。请立即组织沿海低洼地带、危旧房屋和渔船上的群众向避灾安置点转移，清点人数后上报。';
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-1', { priority: 'flash', to: { people: ['p-000001'] }, body, ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
      expect(modem.sent).toEqual([{ to: '17403252928', text: expect.stringContaining(body.slice(0, 20)) }]);
      expect(modem.sent[0].text).toMatch(new RegExp(`^\\[${a.ref}\\].*回复1确认$`));
      expect(adapter.stats.submits).toBe(smsSegments(modem.sent[0].text).parts.length); // the parts the router planned
      expect(adapter.stats.submits).toBeGreaterThan(1);
    });

    it('joins a long answer that comes as several messages into one reply, as the person typed it', async () => {
      const replies: string[] = [];
      const sub = s.lifeline.core.replies$.subscribe((r) => replies.push(r.text));
      try {
        const text = '收到。沙头村已组织转移，现有三户老人行动不便，需要船只支援，请尽快派人到村东头码头接应，另有两名村民联系不上，正在继续寻找。';
        modem.incoming('17403252928', text); // over 70 UCS-2 characters: two messages on the SIM
        await turnsUntil(async () => (await s.advance(0), replies.length > 0), 'the reply');
        await s.advance(1_000);
        expect(replies).toEqual([text]);
      } finally {
        sub.unsubscribe();
      }
    });

    it('a failed submit (+CMS ERROR: 42) is retryable; losing the satellite takes the channel down', async () => {
      modem.failNext = 1;
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-2', { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#1`))?.status === 'failed'), 'the first attempt failed');
      expect((await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#1`))!.detail).toMatch(/CMS ERROR: 42/);
      modem.noSignal = true;
      await turnsUntil(async () => (await s.advance(0), state() === 'down'), 'the channel down', 100_000);
    });
  });

  /** A modem as they are: output in pieces of a few bytes, and restarts that forget settings. */
  describe('behind the router, with a modem that behaves like the field', () => {
    let field: ModemSimulator;
    let fieldPty: Awaited<ReturnType<typeof ptyPair>>;
    let s: TestServer;
    let adapter: TiantongAdapter;
    const state = () => s.lifeline.core.channelState('tiantong', '330100');
    const counts = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);

    beforeEach(async () => {
      fieldPty = await ptyPair();
      field = new ModemSimulator({ path: fieldPty.b, reportMs: [1, 10], replyProbability: 0, pieces: true, random: seededRandom(20261205) });
      await field.start();
      s = await testServer({ simulators: 'none' });
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-tiantong', fieldPty.a, 0.2);
      await adapter.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'signal, registration and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
      await field.stop();
      await fieldPty.stop();
    });

    it('sends through a modem whose answers come a few bytes at a time, the prompt cut in two', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-pieces', { priority: 'flash', to: { people: ['p-000001', 'p-000002'] }, body: '请立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === 2), 'both status reports');
      expect(field.sent).toHaveLength(2);
    });

    it('sets a restarted modem up again: down meanwhile, the answer that came meanwhile read, reports flowing again', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-reboot', { priority: 'flash', to: { people: ['p-000001'] }, body: '请回复。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === 1), 'the status report');
      field.reboot();
      field.incoming('17403252928', `${a.ref} 1`); // the answer comes while the modem announces nothing
      await turnsUntil(async () => (await s.advance(0), field.indications && !field.echo), 'the adapter setting the modem up again');
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).acknowledged === 1), 'the answer, listed with AT+CMGL');
      const health = (await s.lifeline.store.read.events.since(0, 1000)).map((e) => e.payload as { type: string; channel?: string; state?: string });
      expect(health.some((e) => e.type === 'channel' && e.channel === 'tiantong' && e.state === 'down')).toBe(true);
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'health up again');
      const b = await s.lifeline.core.orders.accept(ADMIN, 'tt-after', { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(b.orderId)).delivered === 1), 'a status report after the restart');
    });
  });
});
