import type { Clock } from '@lifeline/clock';
import type { GatewayFault, TerminalKind } from '@lifeline/domain';
import type { SendFrame } from '@lifeline/contracts';
import { connectInProcess, type GatewayLink, type RouterToGateway } from './gateway-link';
import { between, seededRandom } from '@lifeline/domain';
import type { PersonBehaviour, SimulatedPeople } from './simulated-people';

/** A simulated gateway's behaviour; defaults per channel come from config (CHANNELS.md facts). */
export interface SimulatorSpec {
  channel: string;
  gatewayId: string;
  /** Areas the gateway reaches when it connects (drones announce coverage instead). */
  areas: string[];
  window: number;
  acceptMs: [number, number];
  deliverMs: [number, number];
  /** Probability a message accepted by the gateway never arrives (and no receipt comes). */
  loss: number;
  /** False for gateways that give no delivery receipts (BDS-2 Beidou, radio group messages): messages arrive, nothing says so. */
  receipts?: boolean;
  /** Sends per second the gateway takes; beyond it it answers `failed` (throttled). */
  ratePerS: number;
  /** Minimum spacing of sends (a Beidou card's service interval); 0 for none. */
  minIntervalMs: number;
  /** Concurrent sends being transmitted (a drone cell's users); 0 for no limit. */
  concurrent: number;
  replyProbability: number;
  replyDelayMs: [number, number];
  /** Addresses starting with this are rejected permanently (an invalid number). */
  invalidPrefix: string | null;
  /** Drones: coverage announced as `{areas, until}` relative to start. */
  coverage?: { areas: string[]; forMs: number } | null;
  /** A mobile station (brought in with its own power): fixed-site outages spare it. */
  mobile?: boolean;
  /** The terminal kind it reaches, for the people behind the addresses (drills). */
  terminal?: TerminalKind;
}

export type SimMode = 'normal' | GatewayFault;

/**
 * What the world does to a message of this gateway to `to` now (drills): a gateway fault, and
 * whether the sites that would carry it still stand. Simulators without a world see none.
 */
export interface SimWorld {
  conditions(channel: string, to: string, now: number, mobile: boolean): { fault: GatewayFault | null; loss: number; sitesUp: boolean };
}

const CALM: SimWorld = { conditions: () => ({ fault: null, loss: 0, sitesUp: true }) };

/**
 * One simulated hardware gateway. It joins the router through the gateway-link port like any
 * adapter would, and plays the far-end terminals: receipts, losses and people answering.
 */
export class SimulatedGateway {
  private link: ReturnType<typeof connectInProcess> | null = null;
  private readonly random: () => number;
  private readonly seen = new Set<string>();
  private windowStart = 0;
  private sentInWindow = 0;
  private lastSendAt = -Infinity;
  private active = 0;
  mode: SimMode = 'normal';
  readonly stats = { received: 0, accepted: 0, delivered: 0, lost: 0, throttled: 0, rejected: 0, replies: 0 };

  constructor(
    readonly spec: SimulatorSpec,
    private readonly clock: Clock,
    seed: number,
    private readonly world: SimWorld = CALM,
    /** The people behind the terminals (drills); without them the spec's reply settings apply to all. */
    private readonly people: SimulatedPeople | null = null,
  ) {
    this.random = seededRandom(seed);
  }

  connect(link: GatewayLink): void {
    this.link = connectInProcess(link, this.spec.channel, (f) => this.onFrame(f));
    this.link.send({ type: 'hello', gatewayId: this.spec.gatewayId, channel: this.spec.channel, areas: this.spec.areas, window: this.spec.window });
    if (this.spec.coverage) {
      const until = new Date(this.clock.now() + this.spec.coverage.forMs).toISOString();
      this.link.send({ type: 'coverage', areas: this.spec.coverage.areas, until });
    }
  }

  disconnect(): void {
    this.link?.close();
    this.link = null;
  }

  get connected(): boolean {
    return this.link !== null;
  }

  /** The far-end person answers, e.g. "A7K2 1"; used by drills and the sim reply endpoint. */
  reply(from: string, text: string): void {
    this.stats.replies++;
    this.link?.send({ type: 'reply', from, text });
  }

  private emit(frame: Record<string, unknown>, at: number): void {
    this.clock.schedule(at, () => this.link?.send(frame));
  }

  private onFrame(frame: RouterToGateway): void {
    if (frame.type !== 'send') return;
    this.stats.received++;
    const now = this.clock.now();
    const w = this.world.conditions(this.spec.channel, frame.to, now, this.spec.mobile ?? false);
    // A mode set on the simulator itself beats the drill's fault, with its own loss for `lossy`.
    const [mode, faultLoss]: [SimMode, number] = this.mode !== 'normal' ? [this.mode, 0.5] : [w.fault ?? 'normal', w.loss];
    if (mode === 'down') return; // a dead gateway says nothing; the router's timeout notices
    if (this.seen.has(frame.attemptId)) return; // at-least-once from the router: drop repeats
    if (!this.admit(now)) {
      this.stats.throttled++;
      this.emit({ type: 'failed', attemptId: frame.attemptId, permanent: false, reason: 'throttled' }, now);
      return;
    }
    this.seen.add(frame.attemptId);
    if (this.seen.size > 200_000) this.seen.delete(this.seen.values().next().value!); // bounded memory
    if (this.spec.invalidPrefix && frame.to.startsWith(this.spec.invalidPrefix)) {
      this.stats.rejected++;
      this.emit({ type: 'failed', attemptId: frame.attemptId, permanent: true, reason: 'invalid number' }, now);
      return;
    }
    const slow = mode === 'slow' ? 10 : 1;
    const acceptAt = now + between(this.random, this.spec.acceptMs) * slow;
    this.stats.accepted++;
    this.emit({ type: 'accepted', attemptId: frame.attemptId }, acceptAt);
    const lossP = mode === 'lossy' ? Math.max(faultLoss, this.spec.loss) : this.spec.loss;
    const person = this.spec.terminal ? (this.people?.behaviour(this.spec.terminal, frame.to, now) ?? null) : null;
    // Sites down under the terminal (a race with an outage), or the phone off: accepted upstream, never arrives.
    if (mode === 'silent' || !w.sitesUp || this.random() < lossP || person?.phoneOff) {
      this.stats.lost++;
      return;
    }
    this.active++;
    const deliverAt = acceptAt + between(this.random, this.spec.deliverMs) * slow;
    this.clock.schedule(deliverAt, () => {
      this.active--;
      this.stats.delivered++;
      if (this.spec.receipts !== false) this.link?.send({ type: 'delivered', attemptId: frame.attemptId });
      this.maybeAnswer(frame, deliverAt, person);
    });
  }

  private maybeAnswer(frame: SendFrame, deliveredAt: number, person: PersonBehaviour | null): void {
    if (!frame.ackRequired || (person ? !person.answers : this.random() >= this.spec.replyProbability)) return;
    const delayMs = person?.delayMs ?? this.spec.replyDelayMs;
    const roll = this.random();
    const text = roll < 0.6 ? `${frame.ref} 1` : roll < 0.8 ? '1' : `收到 ${frame.ref}`;
    this.clock.schedule(deliveredAt + between(this.random, delayMs), () => this.reply(frame.to, text));
  }

  /** The gateway's own limits: rate per second, a card's service interval, concurrent users. */
  private admit(now: number): boolean {
    if (this.spec.minIntervalMs > 0 && now - this.lastSendAt < this.spec.minIntervalMs) return false;
    if (this.spec.concurrent > 0 && this.active >= this.spec.concurrent) return false;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    if (this.sentInWindow >= this.spec.ratePerS) return false;
    this.sentInWindow++;
    this.lastSendAt = now;
    return true;
  }
}
