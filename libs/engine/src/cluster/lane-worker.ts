import { describeIssues, summarizeIssues } from '@lifeline/contracts';
import { deliveryPartition, parseAttemptId, lanePartitions, Reach, type AreaTree } from '@lifeline/domain';
import { LaneMoved, type GrantedLanes } from '@lifeline/store';
import type { EngineConfig } from '../config';
import { DeliveryStepper } from '../delivery-stepper';
import { jobItems } from '../lane-job';
import { OrderCache } from '../order-cache';
import { laneJobMessage, laneProbe, type LaneAnswer, type LaneJobMessage, type LaneVersion } from './lane-messages';

/**
 * A node of a cluster carrying out lanes of the active node's delivery work (`RemoteLanes` sends
 * the jobs): each job loaded, stepped, written and committed here under the grant it came with,
 * against the channels' reach and the cancelled orders as the active node last told them, and
 * answered with what is left to do there (events, sends, drops, the next timer). Steps are pure
 * functions of rows, that context and the config (every node runs the same), so it makes no
 * difference which node takes them.
 */
export class LaneWorker {
  private readonly reach: Reach;
  private readonly orders = new OrderCache();
  private readonly stepper: DeliveryStepper;
  /** The active node's context this node holds (null: none yet). */
  private held: LaneVersion | null = null;
  /** The grant each lane's last job came with: another means the rows were written elsewhere meanwhile. */
  private readonly grants = new Map<number, string>();
  readonly stats = { jobs: 0, refused: 0 };

  constructor(
    private readonly store: GrantedLanes,
    config: EngineConfig,
    areas: AreaTree,
    private readonly node: string,
  ) {
    this.reach = new Reach(areas);
    this.stepper = new DeliveryStepper(config, this.reach, this.orders);
  }

  async run(raw: unknown): Promise<LaneAnswer> {
    if (laneProbe.safeParse(raw).success) return { ok: false, code: 'ready', message: `node ${this.node} carries out lanes` };
    const r = laneJobMessage.safeParse(raw);
    if (!r.success) return this.refuse('failed', `invalid lane job: ${summarizeIssues(describeIssues(r.error))}`);
    const m = r.data;
    const { grant, now, job } = m;
    if (grant.node !== this.node) return this.refuse('moved', `the grant names node ${grant.node}, not this one (${this.node})`);
    if (!this.canApply(m)) return this.refuse('context', 'this node does not hold the context of that job (restarted?): send it along');
    const own = new Set(lanePartitions(grant.lane, grant.lanes));
    try {
      const out = await this.store.writeGranted(grant, async (tx) => {
        // Only now, the grant checked: a message with a made-up key changes nothing here.
        this.take(m);
        const items = (await jobItems(tx, job, [...own], now)).filter((i) => own.has(deliveryPartition(i.deliveryId)));
        return this.stepper.apply(tx, items, now);
      });
      if (out.changed) this.stepper.committed(out.changed);
      this.stats.jobs++;
      return {
        ok: true,
        applied: out.applied,
        events: out.events.map((e) => ({ frame: e.frame as never, areaPath: e.areaPath })),
        sends: out.sends.map((s) => ({ deliveryId: s.deliveryId, orderId: s.orderId, channel: s.channel, area: s.area, attempt: parseAttemptId(s.attemptId)!.attempt, to: s.to })),
        drops: out.drops,
        timersArmed: out.timersArmed,
        finals: out.finals,
      };
    } catch (e) {
      this.stepper.forget();
      return this.refuse(e instanceof LaneMoved ? 'moved' : 'failed', (e as Error).message);
    }
  }

  /**
   * Whether the job can be stepped with what this node holds, with what the job brings: the
   * active node's reach and cancels at least as recent as those it was decided under. (Jobs of
   * several lanes run at once here, so what is held only ever moves forward.)
   */
  private canApply({ version, context }: LaneJobMessage): boolean {
    const held = this.held?.incarnation === version.incarnation ? this.held : null;
    const reach = (held?.reach ?? -1) >= version.reach || context?.reach !== undefined;
    const cancels = held?.cancels ?? 0;
    return reach && (cancels >= version.cancels || (context !== undefined && context.from <= cancels && context.from + context.cancelled.length >= version.cancels));
  }

  /** Takes the job's context and grant, inside its transaction once the grant was checked. */
  private take({ grant, version, context }: LaneJobMessage): void {
    if (this.held?.incarnation !== version.incarnation) {
      // Another active node: what was read of orders may predate cancels it has not told.
      this.orders.clear();
      this.held = { incarnation: version.incarnation, reach: -1, cancels: 0 };
    }
    const held = this.held;
    if (context) {
      if (context.reach && version.reach > held.reach) {
        this.reach.restore(context.reach);
        held.reach = version.reach;
      }
      for (const id of context.cancelled) this.orders.cancelled(id);
      held.cancels = Math.max(held.cancels, context.from + context.cancelled.length);
    }
    const granted = `${grant.epoch}:${grant.key}`;
    if (this.grants.get(grant.lane) !== granted) {
      this.stepper.forget();
      this.grants.set(grant.lane, granted);
    }
  }

  private refuse(code: 'context' | 'moved' | 'failed', message: string): LaneAnswer {
    this.stats.refused++;
    return { ok: false, code, message };
  }
}
