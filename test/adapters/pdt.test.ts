import { createSocket } from 'node:dgram';
import { decodeFrame, encodeRrs, encodeTmp, RRS_TYPE } from '../../apps/gateway-pdt/src/hdap-codec';
import { PdtAdapter, pdtConfig } from '../../apps/gateway-pdt/src/pdt-adapter';
import { RadioGatewaySimulator } from '../../apps/far-end/src/radio-gateway';
import { expectConformance, expectRestartSurvived, tempStateFile } from '../support/conformance';
import { testServer, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';
import { seededRandom } from '@lifeline/domain';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };
const RADIO = 3321751; // p-000001's 370MHz handheld

function adapterFor(url: string, token: string, gatewayPort: number, stateFile?: string) {
  return new PdtAdapter(
    pdtConfig.parse({
      ...(stateFile ? { stateFile } : {}),
      router: { url, token }, gatewayId: 'radio-gw-test', areas: ['330100'], window: 8, reconnect: { baseMs: 20, maxMs: 200 },
      radioGateway: { host: '127.0.0.1', port: gatewayPort }, listen: { host: '127.0.0.1', port: 0 },
      dispatcherId: 1, ackTimeoutS: 1, retries: 2, retryMs: 5,
    }),
  );
}

describe('370MHz radio gateway adapter over UDP (e2e, radio gateway simulator on loopback)', () => {
  let radio: RadioGatewaySimulator;
  let port: number;

  beforeEach(async () => {
    radio = new RadioGatewaySimulator({ dispatcher: { radioId: 1 }, radios: [RADIO, 3300001, 3300002], off: [3300009], invalidPrefix: '999', ackMs: [1, 10], replyProbability: 1 });
    port = await radio.listen();
  });
  afterEach(() => radio.close());

  it('passes the conformance kit', async () => {
    await expectConformance({ channel: 'pdt', to: ['3300001', '3300002'], invalidTo: '9990001' }, (url, token) => adapterFor(url, token, port));
  });

  it('passes the restart check with a state file: a message in flight is sent again and its ack settles it', async () => {
    // Acks slower than a restart: the one for the first transmission goes to the stopped adapter.
    const slow = new RadioGatewaySimulator({ dispatcher: { radioId: 1 }, radios: [3300001, 3300002], off: [], invalidPrefix: '999', ackMs: [400, 500], replyProbability: 0 });
    const slowPort = await slow.listen();
    const stateFile = tempStateFile();
    try {
      await expectRestartSurvived({ channel: 'pdt', to: ['3300001', '3300002'], invalidTo: '9990001' }, (url, token) => adapterFor(url, token, slowPort, stateFile));
    } finally {
      slow.close();
    }
  });

  it('passes the conformance kit against a radio gateway with every field habit, restarted between a message and its ack', async () => {
    // Every ack said twice, a third of them after the adapter's retransmission (its ack timeout is
    // 1 s), the others slower than a restart. The seed is printed, to replay a failure.
    const seed = 20261206;
    process.stdout.write(`field radio gateway seed ${seed}\n`);
    const field = new RadioGatewaySimulator({
      dispatcher: { radioId: 1 }, radios: [3300001, 3300002], invalidPrefix: '999', ackMs: [300, 400], replyProbability: 1, random: seededRandom(seed),
      duplicateAcks: true, lateAcks: { share: 0.3, ms: [1_200, 1_500] },
    });
    const fieldPort = await field.listen();
    const stateFile = tempStateFile();
    try {
      await expectRestartSurvived({ channel: 'pdt', to: ['3300001', '3300002'], invalidTo: '9990001' }, (url, token) => adapterFor(url, token, fieldPort, stateFile));
      expect(field.stats.lateAcks).toBeGreaterThan(0);
    } finally {
      await field.close();
    }
  });

  describe.each([
    ['a radio gateway that answers once, at once', false],
    ['a radio gateway with every field habit (acks twice, some after the retransmission)', true],
  ])('behind the router, %s', (_far, field) => {
    let s: TestServer;
    let adapter: PdtAdapter;
    const state = () => s.lifeline.core.channelState('pdt', '330100');

    beforeEach(async () => {
      if (field) {
        await radio.close();
        radio = new RadioGatewaySimulator({
          dispatcher: { radioId: 1 }, radios: [RADIO, 3300001, 3300002], off: [3300009], invalidPrefix: '999', ackMs: [1, 10], replyProbability: 1,
          random: seededRandom(20261206), duplicateAcks: true, lateAcks: { share: 0.3, ms: [1_200, 1_500] },
        });
        port = await radio.listen();
      }
      s = await testServer({ simulators: 'tiantong,beidou' });
      adapter = adapterFor(s.url.replace('http', 'ws') + '/gateway', 'demo-gateway-pdt', port);
      await adapter.start();
      await turnsUntil(() => radio.knowsDispatcher, 'the online check');
      radio.registerAll();
      await turnsUntil(async () => (await s.advance(0), state() === 'up' && adapter.registered.size === 3), 'registrations and health up');
    });
    afterEach(async () => {
      await adapter.stop();
      await s.close();
    });

    const order = (clientRef: string) =>
      s.lifeline.core.orders.accept(ADMIN, clientRef, { priority: 'flash', to: { people: ['p-000001'] }, body: '台风今晚登陆，请立即组织沿海群众转移。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });

    it('delivers over the radio, acknowledged by the radio; the radio user answers and closes 叫应', async () => {
      const a = await order('pdt-1');
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
      expect(radio.received).toEqual([{ radioId: RADIO, text: expect.stringContaining(`[${a.ref}]`) }]);
      expect((await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#1`))).toMatchObject({ channel: 'pdt', status: 'acknowledged' });
    });

    it('tries again on a busy channel and still delivers', async () => {
      radio.busyNext = 2;
      const a = await order('pdt-2');
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
      expect(radio.busyNext).toBe(0);
    });

    it('a radio that de-registered fails at once and the delivery falls back to satellite', async () => {
      radio.deregister(RADIO);
      await turnsUntil(() => !adapter.registered.has(RADIO), 'the de-registration');
      const a = await order('pdt-3');
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#2`)) !== undefined), 'a second attempt');
      expect((await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#1`))).toMatchObject({ channel: 'pdt', status: 'failed', detail: expect.stringMatching(/de-registered/) });
      expect((await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000001#2`))!.channel).not.toBe('pdt');
    });
  });
});

describe('370MHz radio gateway adapter, at its UDP socket', () => {
  it('ignores a datagram from a radio IP that is no decimal pair (10.100.0.0), logs it, and goes on answering', async () => {
    const gateway = createSocket('udp4');
    await new Promise<void>((r) => gateway.bind(0, '127.0.0.1', () => r()));
    const logged: string[] = [];
    const config = pdtConfig.parse({
      router: { url: 'ws://127.0.0.1:9/gateway', token: 'x' }, gatewayId: 'radio-gw-udp', areas: ['330100'], window: 8, reconnect: { baseMs: 1_000, maxMs: 1_000 },
      radioGateway: { host: '127.0.0.1', port: gateway.address().port }, listen: { host: '127.0.0.1', port: 0 }, dispatcherId: 1, radioIdEncoding: 'decimalPairs',
    });
    const adapter = new PdtAdapter(config, (m) => logged.push(m));
    const received: Buffer[] = [];
    gateway.on('message', (m) => received.push(m));
    await adapter.start();
    try {
      const to = (b: Buffer) => gateway.send(b, adapter.port, '127.0.0.1');
      // Bytes 10.100.0.0 (binary24 radio 6553600): a private message asking for an ack. Its ack
      // once had to be addressed to radio 1,000,000, which threw out of the socket's handler.
      to(encodeTmp({ kind: 'message', group: false, ackRequired: true, requestId: 7, to: { subnet: 10, radioId: 1 }, from: { subnet: 10, radioId: 100 << 16 }, text: '1' }, 'binary24'));
      await turnsUntil(() => logged.some((m) => /not a decimal-pairs radio IP/.test(m)), 'the datagram refused in the log');
      const before = received.length;
      to(encodeRrs({ type: RRS_TYPE.registration, radio: { subnet: 10, radioId: 2200 } }, 'decimalPairs')); // a real radio registers
      await turnsUntil(() => received.slice(before).some((m) => decodeFrame(m, 'decimalPairs').service === 'rrs'), 'the registration acknowledged');
      expect(adapter.registered.has(2200)).toBe(true);
    } finally {
      await adapter.stop();
      gateway.close();
    }
  });

  it('reads datagrams from the radio gateway\'s address only: another host can neither register radios nor be answered', async () => {
    const gateway = createSocket('udp4');
    const intruder = createSocket('udp4');
    await new Promise<void>((r) => gateway.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => intruder.bind(0, '127.0.0.2', () => r())); // another host, as loopback allows
    const logged: string[] = [];
    const config = pdtConfig.parse({
      router: { url: 'ws://127.0.0.1:9/gateway', token: 'x' }, gatewayId: 'radio-gw-src', areas: ['330100'], window: 8, reconnect: { baseMs: 1_000, maxMs: 1_000 },
      radioGateway: { host: 'localhost', port: gateway.address().port }, listen: { host: '0.0.0.0', port: 0 }, dispatcherId: 1,
    });
    const adapter = new PdtAdapter(config, (m) => logged.push(m));
    const answered: Buffer[] = [];
    intruder.on('message', (m) => answered.push(m));
    const heard: Buffer[] = [];
    gateway.on('message', (m) => heard.push(m));
    await adapter.start();
    try {
      const registration = encodeRrs({ type: RRS_TYPE.registration, radio: { subnet: 10, radioId: 4242 } });
      intruder.send(registration, adapter.port, '127.0.0.1');
      await turnsUntil(() => logged.some((m) => /datagrams from 127\.0\.0\.2 ignored: not the radio gateway \(127\.0\.0\.1\)/.test(m)), 'the intruder refused in the log');
      expect(adapter.registered.has(4242)).toBe(false);
      gateway.send(registration, adapter.port, '127.0.0.1'); // the same bytes from the radio gateway (its name resolved)
      await turnsUntil(() => adapter.registered.has(4242), 'the registration from the radio gateway');
      // Its answer is a datagram of its own, on its way when the radio counts as registered.
      await turnsUntil(() => heard.some((m) => decodeFrame(m).service === 'rrs'), 'the registration answered to the radio gateway');
      expect(answered).toEqual([]);
    } finally {
      await adapter.stop();
      gateway.close();
      intruder.close();
    }
  });
});
