import { ALLOWED_STATUS_CHANGES, DELIVERY_STATUSES, type DeliveryStatus } from './status';

/** How far an order had got at one moment: people reached, people who answered, deliveries final. */
export interface ProgressPoint {
  at: number;
  reached: number;
  acknowledged: number;
  final: number;
}

/** The terminal confirmed the order: delivered, and what can only follow a delivery. */
export const REACHED_STATUSES: readonly DeliveryStatus[] = ['delivered', 'acknowledged', 'unanswered'];
const REACHED = new Set<string>(REACHED_STATUSES);
/** Statuses nothing may follow (`delivered` is final only where no answer was asked). */
const FINAL = new Set<string>(DELIVERY_STATUSES.filter((s) => ALLOWED_STATUS_CHANGES[s].length === 0));

/**
 * An order's progress over time, folded from its receipts in stream order: a delivery counts as
 * reached the first time its terminal confirmed it (and stays so through an escalation), as
 * final once its status is final. The console charts 叫应率 and reach rate from it.
 */
export class OrderProgress {
  private readonly reachedIds = new Set<string>();
  private readonly ackedIds = new Set<string>();
  private readonly finalIds = new Set<string>();
  private readonly timeline: ProgressPoint[] = [];

  constructor(
    createdAt: number,
    /** Without an answer asked, `delivered` is final. */
    private readonly ackRequired: boolean,
  ) {
    this.timeline.push({ at: createdAt, reached: 0, acknowledged: 0, final: 0 });
  }

  add(deliveryId: string, status: DeliveryStatus, at: number): void {
    const before = this.reachedIds.size + this.ackedIds.size + this.finalIds.size;
    if (REACHED.has(status)) this.reachedIds.add(deliveryId);
    if (status === 'acknowledged') this.ackedIds.add(deliveryId);
    if (FINAL.has(status) || (status === 'delivered' && !this.ackRequired)) this.finalIds.add(deliveryId);
    if (this.reachedIds.size + this.ackedIds.size + this.finalIds.size === before) return;
    const point = { at, reached: this.reachedIds.size, acknowledged: this.ackedIds.size, final: this.finalIds.size };
    const last = this.timeline[this.timeline.length - 1];
    if (last.at === at) this.timeline[this.timeline.length - 1] = point;
    else this.timeline.push(point);
  }

  /** At most `max` points, evenly spread over the changes, always with the first and the last. */
  points(max = 300): ProgressPoint[] {
    const all = this.timeline;
    if (all.length <= max) return [...all];
    const step = (all.length - 1) / (max - 1);
    return Array.from({ length: max }, (_, i) => all[Math.round(i * step)]);
  }
}
