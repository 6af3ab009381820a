import { randomUUID } from 'node:crypto';
import type { Clock } from '@lifeline/clock';
import { lanePartitions, type Reach } from '@lifeline/domain';
import { Subject, type Observable } from 'rxjs';
import type { LaneGrant, LaneGrants, Repositories } from '@lifeline/store';
import type { DeliveryStepper, StepOutput } from '../delivery-stepper';
import type { LaneJob } from '../lane-job';
import type { LanePlacement, LaneTicket } from '../lane-placement';
import type { SendItem } from '../send-item';
import type { Tasks } from '../tasks';
import { laneAnswer, type LaneJobMessage } from './lane-messages';

/** How the active node reaches the nodes that carry out its lanes (the bus). */
export interface LaneTransport {
  /** Nodes that offer to carry out lanes and were heard from lately. */
  workers(): readonly string[];
  /** `message` to `node`; resolves with its answer, unparsed, or rejects when none came within `timeoutMs`. */
  request(node: string, message: LaneJobMessage, timeoutMs: number): Promise<unknown>;
}

export interface RemoteLanesOptions {
  /** This node's name (a grant to it takes a lane back). */
  node: string;
  lanes: number;
  transport: LaneTransport;
  grants: LaneGrants;
  reach: Reach;
  stepper: DeliveryStepper;
  read: Repositories;
  clock: Clock;
  tasks: Tasks;
  /** How long a job may take on another node before the lane is taken back: half the lease. */
  timeoutMs: number;
  /** How often to look at who offers to carry out lanes. */
  checkEveryMs?: number;
  /** How long a node that failed a job is left out. */
  coolDownMs?: number;
}

interface Lane {
  /** The node carrying it out now; null: this one. */
  holder: string | null;
  grant: LaneGrant | null;
  inFlight: number;
  moving: Promise<void> | null;
  drained: (() => void)[];
}

/**
 * The active node's lanes, some carried out by other nodes of the cluster: the active node keeps
 * deciding what each lane does next (the pollers, the gateways' results, the dispatcher and its
 * limits, the channels' reach), and a lane's jobs, as data, go to the node holding the lane's grant,
 * which loads, steps, writes and commits them under that grant and answers with what is left to
 * do (events, sends, drops, the next timer). Lane 0 stays here; the others are spread over this
 * node and the nodes that offer, one each in turn. A node that fails or does not answer a job
 * within `timeoutMs` has its lane taken back (a new grant: whatever it still had in flight commits
 * before it, or is refused) and is left out for `coolDownMs`.
 */
export class RemoteLanes implements LanePlacement {
  private readonly lanes: Lane[];
  /** Orders cancelled since this node became active: every worker learns them with the reach. */
  private readonly cancels: string[] = [];
  private readonly incarnation = randomUUID();
  /** The context version each worker was last given. */
  private readonly known = new Map<string, string>();
  private readonly left = new Map<string, number>();
  private stopTimer: (() => void) | null = null;
  private stopped = false;
  private readonly takenBack = new Subject<number>();
  /**
   * Lanes taken back after a job failed or went unanswered: that node may have committed sends it
   * never handed over, which whoever holds the dispatcher sends again.
   */
  readonly takenBack$: Observable<number> = this.takenBack.asObservable();

  constructor(private readonly o: RemoteLanesOptions) {
    this.lanes = Array.from({ length: o.lanes }, () => ({ holder: null, grant: null, inFlight: 0, moving: null, drained: [] }));
    this.schedule();
  }

  enter(lane: number): LaneTicket | Promise<LaneTicket> {
    const l = this.lanes[lane];
    if (l.moving) return l.moving.then(() => this.enter(lane));
    l.inFlight++;
    const { holder, grant } = l;
    return {
      remote: holder && grant ? (job, now) => this.send(lane, grant, job, now) : null,
      leave: () => {
        if (--l.inFlight === 0) l.drained.splice(0).forEach((r) => r());
      },
    };
  }

  cancelled(orderId: string): void {
    this.cancels.push(orderId);
  }

  /** Who carries out each lane now (null: this node), for `/health` and tests. */
  holders(): (string | null)[] {
    return this.lanes.map((l) => l.holder);
  }

  /** No more lanes move (a stop). The next active node's grants void these: no need to take them back. */
  stop(): void {
    this.stopped = true;
    this.stopTimer?.();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.stopTimer = this.o.clock.schedule(this.o.clock.now() + (this.o.checkEveryMs ?? 2_000), () => {
      this.rebalance();
      this.schedule();
    });
  }

  /** Lane i to the i-th of this node and the workers in offer, by name (lane 0 stays here). */
  rebalance(): void {
    if (this.stopped || this.o.tasks.stopped) return;
    const now = this.o.clock.now();
    const workers = [...this.o.transport.workers()].filter((w) => w !== this.o.node && (this.left.get(w) ?? 0) <= now).sort();
    const nodes = [null, ...workers];
    this.lanes.forEach((l, i) => {
      const want = nodes[i % nodes.length];
      if (l.holder !== want && !l.moving) void this.move(i, want);
    });
  }

  /** Moves lane `lane` to `to` (null: here) once its jobs in flight are over; a failed grant leaves it where it was. */
  private move(lane: number, to: string | null, afterFailure = false): Promise<void> {
    const l = this.lanes[lane];
    if (l.moving) return l.moving;
    const moving = (async () => {
      while (l.inFlight > 0) await new Promise<void>((r) => l.drained.push(r));
      try {
        l.grant = await this.o.grants.grant(lane, to ?? this.o.node);
        const from = l.holder;
        l.holder = to;
        // Rows of this lane were written elsewhere meanwhile, or will be: what is cached is stale.
        this.o.stepper.forget();
        this.o.tasks.log.info(`lane ${lane} carried out by ${to ? `node ${to}` : 'this node'}${from ? ` (was node ${from})` : ''}`, { epoch: l.grant.epoch });
        if (afterFailure && from !== null) this.takenBack.next(lane);
      } catch (e) {
        this.o.tasks.log.warn(`lane ${lane} could not move to ${to ?? 'this node'}: ${(e as Error).message}`);
      }
    })();
    l.moving = moving;
    void moving.finally(() => (l.moving = null));
    return moving;
  }

  private version(): string {
    return `${this.incarnation}:${this.o.reach.version}:${this.cancels.length}`;
  }

  private async send(lane: number, grant: LaneGrant, job: LaneJob, now: number): Promise<StepOutput> {
    const node = grant.node;
    try {
      const version = this.version();
      const message = (context: boolean): LaneJobMessage => ({
        grant,
        partitions: [...(lanePartitions(lane, this.lanes.length) ?? [])],
        now,
        job: job.kind === 'items' ? { kind: 'items', items: job.items.map(({ deliveryId, event }) => ({ deliveryId, event })) } : job,
        version,
        ...(context ? { context: { reach: this.o.reach.snapshot(), cancelled: this.cancels } } : {}),
      });
      let answer = await this.ask(node, message(this.known.get(node) !== version));
      if (!answer.ok && answer.code === 'context') answer = await this.ask(node, message(true));
      if (!answer.ok) throw new Error(`node ${node} did not carry out a job of lane ${lane}: ${answer.code}: ${answer.message}`);
      this.known.set(node, version);
      const sends = (await Promise.all(answer.sends.map((s) => this.o.stepper.sendOf(s, this.o.read)))).filter((s): s is SendItem => s !== null);
      const { applied, events, drops, timersArmed, finals } = answer;
      return { applied, events, sends, drops, timersArmed, finals };
    } catch (e) {
      this.failed(lane, node, e as Error);
      throw e;
    }
  }

  private async ask(node: string, message: LaneJobMessage) {
    const raw = await this.o.transport.request(node, message, this.o.timeoutMs);
    const r = laneAnswer.safeParse(raw);
    if (!r.success) throw new Error(`node ${node} answered a lane job with what this node cannot read: ${r.error.issues[0]?.message}`);
    return r.data;
  }

  /** The job failed there, or no answer came: the lane comes back here, and the node is left out a while. */
  private failed(lane: number, node: string, e: Error): void {
    this.o.tasks.log.warn(`lane ${lane}: ${e.message}; taking it back`);
    this.known.delete(node);
    this.left.set(node, this.o.clock.now() + (this.o.coolDownMs ?? 30_000));
    if (this.lanes[lane].holder === node) void this.move(lane, null, true);
  }
}
