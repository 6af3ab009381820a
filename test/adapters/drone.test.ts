import mqtt from 'mqtt';
import { DroneAdapter, droneConfig } from '../../apps/gateway-drone/src/drone-adapter';
import { GroundStation } from '../../apps/far-end/src/ground-station';
import { mqttBroker } from '../support/mqtt-broker';
import { expectRestartSurvived } from '../support/conformance';
import { testServer, type TestServer } from '../support/server';
import { turnsUntil } from '../support/turns';

const ADMIN = { id: 'c', role: 'admin' as const, areas: null, channel: null };
const prefix = () => `lifeline-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}/drone`;

describe('drone ground-station adapter over MQTT (e2e, real broker)', () => {
  let broker: Awaited<ReturnType<typeof mqttBroker>>;
  beforeAll(async () => (broker = await mqttBroker()));
  afterAll(() => broker.stop());

  it('passes the conformance kit, a restart between a send and its status report included', async () => {
    const topicPrefix = prefix();
    // Reports slower than a restart: the broker keeps them for the adapter's lasting session.
    const station = new GroundStation({ mqttUrl: broker.url, station: 'kit-drone', topicPrefix, areas: ['330104'], forS: 3600, deliverMs: [400, 500], invalidPrefix: '1990' });
    await station.start();
    try {
      const config = (url: string, token: string) =>
        droneConfig.parse({ router: { url, token }, window: 8, reconnect: { baseMs: 20, maxMs: 200 }, mqtt: { url: broker.url, topicPrefix }, stations: ['kit-drone'] });
      await expectRestartSurvived({ channel: 'drone', to: ['13800000001', '13800000002'], invalidTo: '19900000000' }, (url, token) => new DroneAdapter(config(url, token)));
    } finally {
      await station.stop();
    }
  });

  it('passes the conformance kit against a ground station with every field habit, restarted between a send and its status', async () => {
    const topicPrefix = prefix();
    // Every status said twice, every other send's `accepted` only after its `delivered`, reports
    // slower than a restart (kept by the broker for the adapter's lasting session).
    const station = new GroundStation({
      mqttUrl: broker.url, station: 'field-drone', topicPrefix, areas: ['330104'], forS: 3600, deliverMs: [400, 500], invalidPrefix: '1990', replyProbability: 1,
      statusHabits: { repeated: true, acceptedAfterDelivered: true },
    });
    await station.start();
    try {
      const config = (url: string, token: string) =>
        droneConfig.parse({ router: { url, token }, window: 8, reconnect: { baseMs: 20, maxMs: 200 }, mqtt: { url: broker.url, topicPrefix }, stations: ['field-drone'] });
      await expectRestartSurvived({ channel: 'drone', to: ['13800000001', '13800000002'], invalidTo: '19900000000' }, (url, token) => new DroneAdapter(config(url, token)));
    } finally {
      await station.stop();
    }
  });

  describe.each([
    ['a ground station that reports once, in order', {}],
    ['a ground station with every field habit (statuses twice, delivered before accepted)', { repeated: true, acceptedAfterDelivered: true }],
  ])('behind the router, %s', (_far, statusHabits) => {
    let s: TestServer;
    let adapter: DroneAdapter;
    let station: GroundStation;
    const state = () => s.lifeline.core.channelState('drone', '330104');

    beforeEach(async () => {
      const topicPrefix = prefix();
      s = await testServer({ simulators: 'pdt,tiantong,beidou' });
      station = new GroundStation({ mqttUrl: broker.url, station: 'wing-loong-1', topicPrefix, areas: ['330104'], forS: 5 * 3600, deliverMs: [1_000, 2_000], replyProbability: 1, clock: s.clock, statusHabits });
      adapter = new DroneAdapter(
        droneConfig.parse({ router: { url: s.url.replace('http', 'ws') + '/gateway', token: 'demo-gateway-drone' }, window: 650, mqtt: { url: broker.url, topicPrefix }, stations: ['wing-loong-1'] }),
        () => {},
        s.clock,
      );
      adapter.start();
      await station.start();
      await turnsUntil(async () => (await s.advance(0), state() === 'up'), 'the drone cell to cover 330104');
    });
    afterEach(async () => {
      await station.stop();
      await adapter.stop();
      await s.close();
    });

    it('reaches a public phone through the drone cell where the public network is gone; the answer closes 叫应', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'drone-1', { priority: 'flash', to: { people: ['p-000031'] }, body: '山洪预警，请立即转移到高处。', ackRequired: true, ackWithinS: 600, ttlS: 3600 });
      const attempt = () => s.lifeline.store.read.attempts.get(`${a.orderId}:p-000031#1`);
      // Real MQTT round trips take event-loop turns, not virtual time: only the station's delivery delay is advanced.
      await turnsUntil(async () => (await s.advance(0), (await attempt())?.status === 'sent'), 'the ground station to accept');
      await s.advance(2_000);
      await turnsUntil(async () => (await s.advance(0), (await s.lifeline.store.read.deliveries.countsByStatus(a.orderId)).acknowledged === 1), 'the acknowledgement');
      expect(station.received).toEqual([{ to: '16893004984', text: expect.stringContaining(`[${a.ref}]`) }]);
      expect((await s.lifeline.store.read.attempts.get(`${a.orderId}:p-000031#1`))).toMatchObject({ channel: 'drone', status: 'acknowledged' });
    });

    it('coverage ends when the drone must leave for lack of endurance, not at the planned time', async () => {
      await station.setHealth({ cell: 'up', batteryPct: 40, enduranceS: 600 });
      await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('drone', '330104', s.clock.now() + 601_000) === 'down'), 'coverage cut to the endurance');
      expect(state()).toBe('up');
      await station.setHealth({ cell: 'up', batteryPct: 9, enduranceS: 500 });
      await turnsUntil(async () => (await s.advance(0), state() === 'degraded'), 'low battery reported degraded');
    });

    it('a ground station that vanishes with a send out does not leave it waiting: the send fails there and the delivery moves on', async () => {
      const a = await s.lifeline.core.orders.accept(ADMIN, 'drone-gone', { priority: 'flash', to: { people: ['p-000031'] }, body: '山洪预警，请立即转移到高处。', ackRequired: false, ackWithinS: 600, ttlS: 3600 });
      const attempt = () => s.lifeline.store.read.attempts.get(`${a.orderId}:p-000031#1`);
      await turnsUntil(async () => (await s.advance(0), (await attempt())?.status === 'sent'), 'the ground station to accept');
      station.crash(); // before its delivery report (the station's clock has not moved)
      await turnsUntil(async () => (await s.advance(0), (await attempt())?.status === 'failed'), 'the send failed');
      // Accepted by the station before it vanished: the router, seeing the drone's cell gone, moves on
      // (a send the station never took is failed by the adapter itself, 'ground station went offline').
      expect((await attempt())?.detail).toMatch(/ground station went offline|drone no longer reaches the person/);
    });

    it('a ground station that vanishes (its last will) takes the drone channel down there', async () => {
      station.crash();
      await turnsUntil(async () => (await s.advance(0), state() === 'down'), 'the drone channel down in 330104');
    });
  });

  it('does not report on station a drone long gone whose retained messages outlived it (no last will left to say so)', async () => {
    const topicPrefix = prefix();
    const s = await testServer({ simulators: 'pdt,tiantong,beidou' });
    // What a broker restarted while the station was away still holds: online, a plan for the
    // whole day, and health measured two hours ago with one hour of endurance.
    const ghost = await mqtt.connectAsync(broker.url);
    const at = s.clock.now();
    const retained = (topic: string, body: string) => ghost.publishAsync(`${topicPrefix}/wing-loong-9/${topic}`, body, { qos: 1, retain: true });
    await retained('online', '1');
    await retained('coverage', JSON.stringify({ areas: ['330104'], until: new Date(at + 24 * 3600_000).toISOString() }));
    await retained('health', JSON.stringify({ cell: 'up', batteryPct: 80, enduranceS: 3600, at: new Date(at - 2 * 3600_000).toISOString() }));
    await ghost.endAsync();
    const adapter = new DroneAdapter(
      droneConfig.parse({ router: { url: s.url.replace('http', 'ws') + '/gateway', token: 'demo-gateway-drone' }, window: 650, mqtt: { url: broker.url, topicPrefix }, stations: ['wing-loong-9'] }),
      () => {},
      s.clock,
    );
    try {
      adapter.start();
      await turnsUntil(async () => (await s.advance(0), adapter.station('wing-loong-9')?.health !== null), 'the retained messages read');
      expect(adapter.station('wing-loong-9')).toMatchObject({ online: true, coverageUntil: at - 3600_000 });
      await s.advance(0);
      expect(s.lifeline.core.channelState('drone', '330104')).toBe('down');
      // The station comes back and says so: its cell is on station again.
      const back = new GroundStation({ mqttUrl: broker.url, station: 'wing-loong-9', topicPrefix, areas: ['330104'], forS: 3600, deliverMs: [1_000, 2_000], replyProbability: 0, clock: s.clock });
      await back.start();
      await turnsUntil(async () => (await s.advance(0), s.lifeline.core.channelState('drone', '330104') === 'up'), 'the drone cell back on station');
      await back.stop();
    } finally {
      await adapter.stop();
      await s.close();
    }
  });
});
