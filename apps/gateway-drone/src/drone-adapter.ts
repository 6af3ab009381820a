import { SystemClock } from '@lifeline/clock';
import type { Clock } from '@lifeline/clock';
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import { id, readJsonFrame } from '@lifeline/contracts';

import { GatewayClient, linkConfig, type SendFrame } from '@lifeline/gateway-sdk';
import {
  coverageMessage,
  coverageUntil,
  gatewayHealth,
  healthMessage,
  inboxMessage,
  measuredAt,
  statusMessage,
  type CoverageMessage,
  type HealthMessage,
  type SendMessage,
} from './station-messages';

export const droneConfig = linkConfig.pick({ router: true, window: true, reconnect: true }).extend({
  channel: id.default('drone'),
  mqtt: z.strictObject({
    url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'expected mqtt://host:port'),
    username: z.string().optional(),
    password: z.string().optional(),
    topicPrefix: z.string().min(1).default('lifeline/drone'),
  }),
  /** Ground stations served; each joins the router as a gateway named after it (its relay resource id). */
  stations: z.array(id).min(1),
  /** Below this battery a drone's cell is reported degraded. */
  lowBatteryPct: z.number().min(0).max(100).default(15),
  /** A send the station has not answered by then has failed (and frees its place in the window). */
  sendTimeoutS: z.number().min(1).default(120),
});
export type DroneConfig = z.output<typeof droneConfig>;

interface Station {
  id: string;
  client: GatewayClient;
  online: boolean;
  planned: CoverageMessage | null;
  health: HealthMessage | null;
  /** When the health message was measured (its `at`, else when it came): its endurance counts from then, not from each report. */
  healthAt: number;
}

/**
 * Drone ground stations over MQTT: each station's coverage, health and endurance become the
 * coverage and health frames of its own gateway session, and sends go through the drone's cell to
 * `public` terminals (published to the station, answered by its status messages).
 */
export class DroneAdapter {
  private readonly stations = new Map<string, Station>();
  /** Sends published and not yet answered by their station: attempt id → its station and deadline. */
  private readonly inFlight = new Map<string, { station: Station; cancel: () => void }>();
  private mqtt: MqttClient | null = null;

  constructor(
    private readonly config: DroneConfig,
    private readonly log: (m: string) => void = () => {},
    private readonly clock: Clock = new SystemClock(),
  ) {
    for (const sid of config.stations) {
      const client: GatewayClient = new GatewayClient({
        url: config.router.url,
        token: config.router.token,
        linkOwner: config.router.linkOwner,
        gatewayId: sid,
        channel: config.channel,
        areas: [],
        window: config.window,
        backoff: config.reconnect,
        clock,
        log: (m) => log(`${sid}: router link: ${m}`),
        onSend: (f) => this.send(this.stations.get(sid)!, f),
      });
      this.stations.set(sid, { id: sid, client, online: false, planned: null, health: null, healthAt: 0 });
    }
  }

  start(): void {
    for (const s of this.stations.values()) {
      this.report(s);
      s.client.start();
    }
    const prefix = this.config.mqtt.topicPrefix;
    const m = mqtt.connect(this.config.mqtt.url, {
      username: this.config.mqtt.username,
      password: this.config.mqtt.password,
      reconnectPeriod: Math.min(this.config.reconnect.maxMs, 2_000),
      // A lasting session under a stable id: the broker keeps the stations' QoS 1 reports while
      // the adapter restarts and hands them over when it is back, so none is lost to a restart.
      clientId: `lifeline-drone-${this.config.stations.join('-').slice(0, 40)}`,
      clean: false,
    });
    this.mqtt = m;
    m.on('connect', () => {
      this.log(`connected to ${this.config.mqtt.url}`);
      m.subscribe(['online', 'coverage', 'health', 'sms/status', 'sms/inbox'].map((t) => `${prefix}/+/${t}`), { qos: 1 });
    });
    m.on('message', (topic, payload) => this.receive(topic, payload.toString('utf8')));
    m.on('close', () => {
      // Without the broker nothing is known of the drones: report them down until it is back, and
      // fail what they were sending (their answers may never come).
      for (const s of this.stations.values()) if (s.online) this.report(Object.assign(s, { online: false }));
      this.failInFlight(null, 'MQTT broker connection lost');
    });
    m.on('error', (e) => this.log(`MQTT: ${e.message}`));
  }

  async stop(): Promise<void> {
    for (const f of this.inFlight.values()) f.cancel();
    this.inFlight.clear();
    await this.mqtt?.endAsync();
    await Promise.all([...this.stations.values()].map((s) => s.client.stop()));
  }

  /** What the adapter knows of a station: online, its health, until when its cell covers (null: no plan). */
  station(sid: string): { online: boolean; health: HealthMessage | null; coverageUntil: number | null } | undefined {
    const s = this.stations.get(sid);
    return s && { online: s.online, health: s.health, coverageUntil: s.planned && this.coveredUntil(s, s.planned) };
  }

  private coveredUntil(s: Station, planned: CoverageMessage): number {
    return coverageUntil(Date.parse(planned.until), s.healthAt, s.health?.enduranceS);
  }

  private receive(topic: string, text: string): void {
    const prefix = this.config.mqtt.topicPrefix + '/';
    if (!topic.startsWith(prefix)) return;
    const [sid, ...rest] = topic.slice(prefix.length).split('/');
    const s = this.stations.get(sid);
    if (!s) return;
    const kind = rest.join('/');
    if (kind === 'online') {
      s.online = text.trim() === '1';
      if (!s.online) this.failInFlight(s, 'ground station went offline');
      return this.report(s);
    }
    const schema = { coverage: coverageMessage, health: healthMessage, 'sms/status': statusMessage, 'sms/inbox': inboxMessage }[kind];
    if (!schema) return;
    const parsed = readJsonFrame(schema, text);
    // What failed, not the payload: a JSON error quotes the start of it, and an inbox message or a
    // send's status carries a person's number and words.
    if (!parsed.ok) return this.log(`${topic}: ${parsed.message.startsWith('expected JSON') ? `not JSON (${text.length} characters)` : parsed.message}`);
    const msg = parsed.value as Record<string, unknown>;
    if (kind === 'coverage') s.planned = msg as CoverageMessage;
    else if (kind === 'health') [s.health, s.healthAt] = [msg as HealthMessage, measuredAt(msg as HealthMessage, this.clock.now())];
    else if (kind === 'sms/inbox') return s.client.reply(String(msg.from), String(msg.text));
    else return this.status(s, msg as z.output<typeof statusMessage>);
    this.report(s);
  }

  private status(s: Station, m: z.output<typeof statusMessage>): void {
    // Accepted by the station: its delivery report may be late or never come (the router's own
    // delivery timeout handles that); only a send the station never took is failed here.
    this.settle(m.id);
    if (m.status === 'accepted') s.client.accepted(m.id);
    else if (m.status === 'delivered') s.client.delivered(m.id);
    else s.client.failed(m.id, m.reason, m.permanent);
  }

  /** Tells the router where the drone's cell reaches, until when, and how it is. */
  private report(s: Station): void {
    const now = this.clock.now();
    if (!s.online || !s.planned) {
      s.client.health('down', s.online ? 'no coverage announced' : 'ground station offline', s.planned?.areas ?? []);
      s.client.coverage([], now);
      return;
    }
    const until = this.coveredUntil(s, s.planned);
    s.client.coverage(until > now ? s.planned.areas : [], until);
    if (s.health) {
      const battery = s.health.batteryPct === undefined ? '' : `battery ${s.health.batteryPct}%`;
      s.client.health(gatewayHealth(s.health, this.config.lowBatteryPct), [battery, s.health.detail].filter(Boolean).join('; ') || undefined, s.planned.areas);
    }
  }

  private send(s: Station, f: SendFrame): void {
    if (!s.online || !this.mqtt?.connected) {
      return s.client.failed(f.attemptId, s.online ? 'MQTT broker unreachable' : 'ground station offline');
    }
    const msg: SendMessage = { id: f.attemptId, to: f.to, text: f.text, priority: f.priority };
    this.settle(f.attemptId); // a send repeated after a lost link starts its wait again
    const cancel = this.clock.schedule(this.clock.now() + this.config.sendTimeoutS * 1000, () => {
      this.inFlight.delete(f.attemptId);
      s.client.failed(f.attemptId, `no status from the ground station in ${this.config.sendTimeoutS} s`);
    });
    this.inFlight.set(f.attemptId, { station: s, cancel });
    this.mqtt.publish(`${this.config.mqtt.topicPrefix}/${s.id}/sms/send`, JSON.stringify(msg), { qos: 1 }, (e) => {
      if (!e) return;
      this.settle(f.attemptId);
      s.client.failed(f.attemptId, `MQTT publish failed: ${e.message}`);
    });
  }

  /** A send the station answered (accepted it, or not): its deadline goes. */
  private settle(attemptId: string): void {
    this.inFlight.get(attemptId)?.cancel();
    this.inFlight.delete(attemptId);
  }

  /** Fails the sends of `station` (all stations: null) it never took, which can no longer be answered. */
  private failInFlight(station: Station | null, why: string): void {
    for (const [attemptId, f] of this.inFlight) {
      if (station && f.station !== station) continue;
      this.settle(attemptId);
      f.station.client.failed(attemptId, why);
    }
  }
}
