import type { Clock } from '@lifeline/clock';
import type { GatewayConnection } from '@lifeline/channels';
import type { Reach } from '@lifeline/domain';
import { Subject, type Observable } from 'rxjs';
import type { GatewayPool } from './dispatcher';
import type { SendItem } from './send-item';

/**
 * A gateway is known by its channel and its id together: a gateway of one channel can never stand
 * in for another channel's gateway of the same name. The dispatcher holds these keys.
 */
export function gatewayKey(channel: string, gatewayId: string): string {
  return `${channel}/${gatewayId}`;
}

/** A gateway that said hello: where it reaches, how much it may hold, how to reach it. */
export interface OnlineGateway {
  gatewayId: string;
  channel: string;
  areas: string[];
  window: number;
  conn: GatewayConnection;
  /** Who connected it (a token id): only the same one may take its id over. */
  principal: string;
}

/**
 * The gateways online, by key: the dispatcher's pool. Coverage and windows decide where a send may
 * go; the hub (which speaks the link) adds and removes them.
 */
export class GatewaySessions implements GatewayPool {
  private readonly online = new Map<string, OnlineGateway>();
  private readonly sentSubject = new Subject<{ gateway: string; item: SendItem }>();
  /** Every send handed to a gateway (observers: the chaos suite checks where sends went). */
  readonly sent$: Observable<{ gateway: string; item: SendItem }> = this.sentSubject.asObservable();

  constructor(
    private readonly reach: Reach,
    private readonly clock: Clock,
  ) {}

  get(key: string): OnlineGateway | undefined {
    return this.online.get(key);
  }

  add(g: OnlineGateway): void {
    this.online.set(gatewayKey(g.channel, g.gatewayId), g);
  }

  /** Removes the gateway under `key` if it is still `g` (a newer link may have replaced it). */
  remove(key: string, g: OnlineGateway): boolean {
    if (this.online.get(key) !== g) return false;
    this.online.delete(key);
    return true;
  }

  connected(channel?: string): { gatewayId: string; channel: string; areas: string[]; window: number }[] {
    return [...this.online.values()]
      .filter((g) => !channel || g.channel === channel)
      .map((g) => ({ gatewayId: g.gatewayId, channel: g.channel, areas: g.areas, window: g.window }));
  }

  pick(channel: string, area: string, load: (gateway: string) => number): string | null {
    let best: string | null = null;
    let bestShare = Infinity;
    for (const [key, g] of this.online) {
      if (g.channel !== channel) continue;
      const share = load(key) / g.window;
      if (share >= 1 || share >= bestShare) continue;
      if (!this.reach.coversBy(channel, g.gatewayId, area, this.clock.now())) continue;
      best = key;
      bestShare = share;
    }
    return best;
  }

  send(key: string, item: SendItem): void {
    const g = this.online.get(key);
    if (!g) return;
    this.sentSubject.next({ gateway: key, item });
    g.conn.send({
      type: 'send',
      attemptId: item.attemptId,
      orderId: item.orderId,
      ref: item.ref,
      to: item.to,
      priority: item.priority,
      text: item.text,
      ackRequired: item.ackRequired,
    });
  }
}
