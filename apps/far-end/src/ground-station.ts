import { type Clock, SystemClock } from '@lifeline/clock';
import mqtt, { type MqttClient } from 'mqtt';
import { between } from '@lifeline/domain';

import { sendMessage, type HealthMessage } from '../../gateway-drone/src/station-messages';
import { answerTo } from './answer';

export interface GroundStationOptions {
  mqttUrl: string;
  station: string;
  topicPrefix?: string;
  /** Areas the drone's cell covers, for `forS` seconds from start. */
  areas: string[];
  forS: number;
  health?: HealthMessage;
  deliverMs: [number, number];
  /** Numbers starting with this are refused for good (not a valid subscriber). */
  invalidPrefix?: string;
  replyProbability?: number;
  /**
   * Status messages as some stations send them: each published twice (QoS 1 is at least once, and
   * stations resend what they think was lost), and, for every other send, `delivered` at once and
   * `accepted` only after it (the delivery report and the acceptance come from different parts of
   * the station, the report first).
   */
  statusHabits?: { repeated?: boolean; acceptedAfterDelivered?: boolean };
  clock?: Clock;
  random?: () => number;
  log?: (m: string) => void;
}

/**
 * A drone ground station for tests and demos: announces the aerial cell's coverage and health
 * over MQTT (retained, with a last will saying it is gone), takes `sms/send` and answers with
 * `sms/status` (accepted, then delivered), and lets people answer through `sms/inbox`. Field
 * habits (`statusHabits`): statuses repeated, `accepted` after `delivered`.
 */
export class GroundStation {
  private client: MqttClient | null = null;
  readonly received: { to: string; text: string }[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly prefix: string;
  private sends = 0;

  constructor(private readonly o: GroundStationOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.random = o.random ?? Math.random;
    this.prefix = `${o.topicPrefix ?? 'lifeline/drone'}/${o.station}`;
  }

  async start(): Promise<void> {
    const c = await mqtt.connectAsync(this.o.mqttUrl, {
      clientId: `ground-station-${this.o.station}-${process.pid}`,
      will: { topic: `${this.prefix}/online`, payload: Buffer.from('0'), qos: 1, retain: true },
    });
    this.client = c;
    c.on('message', (_t, payload) => this.onSend(payload.toString('utf8')));
    await c.subscribeAsync(`${this.prefix}/sms/send`, { qos: 1 });
    await this.publish('online', '1');
    await this.publish('coverage', { areas: this.o.areas, until: new Date(this.clock.now() + this.o.forS * 1000).toISOString() });
    await this.setHealth(this.o.health ?? { cell: 'up', batteryPct: 100, enduranceS: this.o.forS });
  }

  /** Publishes the cell's health, stamped with the station's clock unless it names a time. */
  setHealth(h: HealthMessage): Promise<void> {
    return this.publish('health', { at: new Date(this.clock.now()).toISOString(), ...h });
  }

  /** A person answers through the drone's cell. */
  reply(from: string, text: string): Promise<void> {
    return this.publish('sms/inbox', { from, text }, false);
  }

  /** The link to the station dies without a goodbye: the broker publishes its last will. */
  crash(): void {
    if (!this.client) return;
    this.client.options.reconnectPeriod = 0;
    this.client.stream.destroy();
    this.client = null;
  }

  /** The drone leaves: the station says so and disconnects. */
  async stop(): Promise<void> {
    if (!this.client) return;
    await this.publish('online', '0');
    await this.client.endAsync();
    this.client = null;
  }

  private async publish(topic: string, body: unknown, retain = true): Promise<void> {
    await this.client?.publishAsync(`${this.prefix}/${topic}`, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1, retain });
  }

  private onSend(text: string): void {
    let m;
    try {
      m = sendMessage.parse(JSON.parse(text));
    } catch (e) {
      return this.o.log?.(`sms/send ignored: ${(e as Error).message.slice(0, 200)}`);
    }
    const status = (body: Record<string, unknown>) => {
      void this.publish('sms/status', { id: m.id, ...body }, false);
      if (this.o.statusHabits?.repeated) void this.publish('sms/status', { id: m.id, ...body }, false);
    };
    if (this.o.invalidPrefix && m.to.startsWith(this.o.invalidPrefix)) return status({ status: 'failed', permanent: true, reason: 'not a subscriber' });
    const acceptedLate = !!this.o.statusHabits?.acceptedAfterDelivered && this.sends++ % 2 === 1;
    if (!acceptedLate) status({ status: 'accepted' });
    // The delivery report of a send accepted late overtakes its acceptance: it comes at once.
    const at = this.clock.now() + (acceptedLate ? 0 : between(this.random, this.o.deliverMs));
    this.clock.schedule(at, () => {
      this.received.push({ to: m.to, text: m.text });
      this.o.log?.(`> ${m.to}: ${m.text}`);
      status({ status: 'delivered' });
      if (acceptedLate) status({ status: 'accepted' });
      const answer = answerTo(m.text, this.o.replyProbability, this.random);
      if (answer) void this.reply(m.to, answer);
    });
  }
}
