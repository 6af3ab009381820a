import { attemptOf, deliveryPartition, Reach, type AreaTree } from '@lifeline/domain';
import { LaneMoved, type GrantedLanes } from '@lifeline/store';
import { describeIssues, summarizeIssues } from '@lifeline/contracts';
import type { EngineConfig } from '../config';
import { DeliveryStepper } from '../delivery-stepper';
import { jobItems } from '../lane-job';
import { OrderCache } from '../order-cache';
import { laneJobMessage, type LaneAnswer } from './lane-messages';

/**
 * A node of a cluster carrying out lanes of the active node's delivery work (`RemoteLanes` sends
 * the jobs): each job loaded, stepped, written and committed here under the grant it came with,
 * against the channels' reach and the cancelled orders as the active node last told them, and
 * answered with what is left to do there (events, sends, drops, the next timer). Steps are pure
 * functions of rows and that context, so it makes no difference which node takes them.
 */
export class LaneWorker {
  private readonly reach: Reach;
  private readonly orders = new OrderCache();
  private readonly stepper: DeliveryStepper;
  /** The active node's context this node holds (null: none yet). */
  private version: string | null = null;
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
    const r = laneJobMessage.safeParse(raw);
    if (!r.success) return this.refuse('failed', `invalid lane job: ${summarizeIssues(describeIssues(r.error))}`);
    const { grant, partitions, now, job, version, context } = r.data;
    if (grant.node !== this.node) return this.refuse('moved', `the grant names node ${grant.node}, not this one (${this.node})`);
    if (context) {
      this.reach.restore(context.reach);
      for (const id of context.cancelled) this.orders.cancelled(id);
      this.version = version;
    } else if (version !== this.version) return this.refuse('context', 'this node does not hold the context of that job (restarted?): send it along');
    const granted = `${grant.epoch}:${grant.key}`;
    if (this.grants.get(grant.lane) !== granted) {
      this.stepper.forget();
      this.grants.set(grant.lane, granted);
    }
    const own = new Set(partitions);
    try {
      const out = await this.store.writeGranted(grant, async (tx) => {
        const items = (await jobItems(tx, job, partitions, now)).filter((i) => own.has(deliveryPartition(i.deliveryId)));
        return this.stepper.apply(tx, items, now);
      });
      if (out.changed) this.stepper.committed(out.changed);
      this.stats.jobs++;
      return {
        ok: true,
        applied: out.applied,
        events: out.events.map((e) => ({ frame: e.frame as never, areaPath: e.areaPath })),
        sends: out.sends.map((s) => ({ deliveryId: s.deliveryId, orderId: s.orderId, channel: s.channel, area: s.area, attempt: attemptOf(s.attemptId), to: s.to })),
        drops: out.drops,
        timersArmed: out.timersArmed,
        finals: out.finals,
      };
    } catch (e) {
      this.stepper.forget();
      return this.refuse(e instanceof LaneMoved ? 'moved' : 'failed', (e as Error).message);
    }
  }

  private refuse(code: 'context' | 'moved' | 'failed', message: string): LaneAnswer {
    this.stats.refused++;
    return { ok: false, code, message };
  }
}
