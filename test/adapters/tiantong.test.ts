import { TiantongAdapter, tiantongConfig } from '../../apps/gateway-tiantong/src/tiantong-adapter';
import { ModemSimulator } from '../../apps/far-end/src/modem';
import { ptyPair } from '../../apps/far-end/src/pty-pair';
import { seededRandom, smsSegments } from '@lifeline/domain';
import { expectConformance, expectRestartSurvived, tempStateFile } from '../support/conformance';
import { testServer, type TestServer } from '../support/server';
import { pacedAdvance, turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };

function adapterFor(url: string, token: string, path: string, pollS = 30, stateFile?: string) {
  return new TiantongAdapter(
    tiantongConfig.parse({ ...(stateFile ? { stateFile } : {}), router: { url, token }, gatewayId: 'tiantong-test', areas: ['330100'], window: 4, reconnect: { baseMs: 20, maxMs: 200 }, serial: { path }, pollS, commandTimeoutS: 2 }),
  );
}

/**
 * A phone with every field habit on: echo at power-up, output a few bytes at a time, unsolicited
 * codes held for the next answer and said inside it, senders in national form, status reports
 * slower than an adapter restart. The seed is printed, to replay a failure.
 */
function fieldModem(path: string, replyProbability: number): ModemSimulator {
  const seed = 20261205;
  process.stdout.write(`field modem seed ${seed}\n`);
  return new ModemSimulator({
    path, reportMs: [300, 400], invalidPrefix: '1749', replyProbability, random: seededRandom(seed),
    pieces: true, urcInAnswers: true, urcHoldMs: 1_000, numberForm: 'national',
  });
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

  it('passes the conformance kit against a phone with every field habit, restarting inside its first submit\'s answer', async () => {
    await modem.stop();
    modem = fieldModem(pty.b, 1);
    modem.reboot('next-submit'); // +CMGS: n, then RDY: the message is out, its OK never comes
    await modem.start();
    const stateFile = tempStateFile();
    // Polls every 0.5 s: their answers carry the held status reports and +CMTI.
    await expectRestartSurvived({ channel: 'tiantong', to: ['17400000001', '17400000002'], invalidTo: '17490000000' }, (url, token) => adapterFor(url, token, pty.a, 0.5, stateFile));
    expect(modem.stats.answersCut).toBe(1);
    expect(modem.stats.urcsInAnswers).toBeGreaterThan(0);
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

  /** A modem as they are: every field habit on (see fieldModem), and restarts that forget settings. */
  describe('behind the router, with a modem that behaves like the field', () => {
    let field: ModemSimulator;
    let fieldPty: Awaited<ReturnType<typeof ptyPair>>;
    let s: TestServer;
    let adapter: TiantongAdapter;
    const state = () => s.lifeline.core.channelState('tiantong', '330100');
    const counts = (orderId: string) => s.lifeline.store.read.deliveries.countsByStatus(orderId);

    beforeEach(async () => {
      fieldPty = await ptyPair();
      field = fieldModem(fieldPty.b, 0);
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

    it('sets a restarted modem up again at once, with no flap of health: the answer that came meanwhile read, reports flowing again', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-reboot', { priority: 'flash', to: { people: ['p-000001'] }, body: '请回复。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === 1), 'the status report');
      const channelStates = async () =>
        (await s.lifeline.store.read.events.since(0, 1000)).map((e) => e.payload as { type: string; channel?: string; state?: string }).filter((e) => e.type === 'channel' && e.channel === 'tiantong').map((e) => e.state);
      const before = (await channelStates()).length;
      field.reboot();
      field.incoming('17403252928', `${a.ref} 1`); // the answer comes while the modem announces nothing
      await turnsUntil(async () => (await s.advance(0), field.indications && !field.echo), 'the adapter setting the modem up again');
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).acknowledged === 1), 'the answer, listed with AT+CMGL');
      // Set up again in a moment: no outage to tell the router, which would fail what the modem sent.
      expect((await channelStates()).slice(before)).toEqual([]);
      expect(state()).toBe('up');
      const b = await s.lifeline.core.orders.accept(ADMIN, 'tt-after', { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(b.orderId)).delivered === 1), 'a status report after the restart');
    });

    it('takes a status report said inside another answer, and a restart that cuts an answer short', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-urc', { priority: 'flash', to: { people: ['p-000001'] }, body: '请回复。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === 1), 'the status report');
      expect(field.stats.urcsInAnswers).toBeGreaterThan(0); // the +CDS and its PDU between a poll's +CSQ and OK
      const cut = field.stats.answersCut;
      field.incoming('17403252928', `${a.ref} 1`); // its +CMTI held for the next answer...
      field.reboot('next-answer'); // ...which the restart cuts after its first line
      await turnsUntil(async () => (await s.advance(0), field.stats.answersCut > cut), 'the restart inside an answer');
      await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).acknowledged === 1), 'the answer, read after the restart');
      expect(state()).toBe('up');
      const b = await s.lifeline.core.orders.accept(ADMIN, 'tt-urc-after', { priority: 'flash', to: { people: ['p-000001'] }, body: '请到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      await turnsUntil(async () => (await s.advance(0), (await counts(b.orderId)).delivered === 1), 'a status report after the restart');
    });

    it('forwards a message once: one whose delete failed comes back read in the next listing and is deleted, so a bare "1" does not answer the next order', async () => {
      const replies: string[] = [];
      const sub = s.lifeline.core.replies$.subscribe((r) => replies.push(r.text));
      try {
        const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-once-a', { priority: 'flash', to: { people: ['p-000001'] }, body: '请回复。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
        await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).delivered === 1), 'the status report');
        field.failDeletes = 1;
        field.incoming('17403252928', '1');
        await turnsUntil(async () => (await s.advance(0), (await counts(a.orderId)).acknowledged === 1), 'the answer');
        const b = await s.lifeline.core.orders.accept(ADMIN, 'tt-once-b', { priority: 'flash', to: { people: ['p-000001'] }, body: '请再回复。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
        await turnsUntil(async () => (await s.advance(0), (await counts(b.orderId)).delivered === 1), 'the second order delivered');
        field.reboot(); // the set-up after it lists every message on the SIM, the read one too
        await turnsUntil(async () => (await s.advance(0), field.indications && field.storedCount === 0), 'the listing after the restart, and the old message deleted');
        await s.advance(1_000);
        expect(replies).toEqual(['1']);
        expect(await counts(b.orderId)).toEqual({ delivered: 1 });
      } finally {
        sub.unsubscribe();
      }
    });

    it('a restart inside the answer to a submit (after +CMGS: n, before OK): the order went out once and is delivered once', async () => {
      field.reboot('next-submit');
      const a = await s.lifeline.core.orders.accept(ADMIN, 'tt-once', { priority: 'flash', to: { people: ['p-000001'] }, body: '请立即到岗。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      // Router time runs (20 times real time), so a failed attempt would be tried again here.
      const step = pacedAdvance((ms) => s.advance(ms));
      const second = () => s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#2`);
      await turnsUntil(async () => (await step(), (await counts(a.orderId)).delivered === 1 || (await second()) !== undefined), 'the delivery, or a second attempt');
      expect(field.stats.answersCut).toBe(1);
      expect(await second()).toBeUndefined();
      expect(await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#1`)).toMatchObject({ status: 'delivered' });
      expect(field.sent.filter((m) => m.text.includes(`[${a.ref}]`))).toHaveLength(1);
      const receipts = (await s.lifeline.store.read.events.since(0, 1000)).map((e) => e.payload as { type: string; status?: string }).filter((e) => e.type === 'receipt' && e.status === 'delivered');
      expect(receipts).toHaveLength(1);
    });
  });
});
