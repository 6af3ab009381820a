import { randomUUID } from 'node:crypto';
import type { Clock } from '@lifeline/clock';
import { lanePartitions, type Reach } from '@lifeline/domain';
import { Subject, type Observable } from 'rxjs';
import type { LaneGrant, LaneGrants, Repositories } from '@lifeline/store';
import type { DeliveryStepper, StepOutput } from '../delivery-stepper';
import type { LaneJob } from '../lane-job';
import { LaneUnavailable, type LanePlacement, type LaneTicket } from '../lane-placement';
import type { SendItem } from '../send-item';
import type { Tasks } from '../tasks';
import { describeIssues, summarizeIssues } from '@lifeline/contracts';
import { laneAnswer, type LaneAnswer, type LaneJobMessage, type LaneVersion } from './lane-messages';

/** How the active node reaches the nodes that carry out its lanes (the bus). */
export interface LaneTransport {
  /** Nodes that offer to carry out lanes and were heard from lately. */
  workers(): readonly string[];
  /** `message` to `node`; resolves with its answer, unparsed, or rejects when none came within `timeoutMs`. */
  request(node: string, message: LaneJobMessage | { probe: true }, timeoutMs: number): Promise<unknown>;
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
  /** A job there may have committed sends that never came back: send the lane's in-flight again after the next move. */
  resend: boolean;
  /** A node is being asked whether it may take the lane. */
  handing: boolean;
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
  /** What of the context each worker acknowledged, under this incarnation. */
  private readonly known = new Map<string, { reach: number; cancels: number }>();
  /** Nodes left out until a time (a failed job), and nodes that answered a probe. */
  private readonly left = new Map<string, number>();
  private readonly probed = new Set<string>();
  private readonly probing = new Set<string>();
  /** Each lane's answers, taken in turn. */
  private readonly tails: Promise<unknown>[];
  /** Per node: ends every job waiting on it at once when it failed one (they would only time out one by one). */
  private readonly gone = new Map<string, { ended: Promise<never>; end: (e: Error) => void }>();
  private stopTimer: (() => void) | null = null;
  private stopped = false;
  private readonly takenBack = new Subject<number>();
  /**
   * Lanes taken back after a job failed or went unanswered: that node may have committed sends it
   * never handed over, which whoever holds the dispatcher sends again.
   */
  readonly takenBack$: Observable<number> = this.takenBack.asObservable();

  constructor(private readonly o: RemoteLanesOptions) {
    this.lanes = Array.from({ length: o.lanes }, () => ({ holder: null, grant: null, inFlight: 0, moving: null, drained: [], resend: false, handing: false }));
    this.tails = this.lanes.map(() => Promise.resolve());
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
    for (const [node, until] of this.left) if (until <= now) this.left.delete(node);
    const offers = this.o.transport.workers().filter((w) => w !== this.o.node && !this.left.has(w));
    for (const p of this.probed) if (!offers.includes(p)) this.probed.delete(p);
    // A node is given lanes once it answered a probe: an offer alone (anyone on the bus could
    // make one up) would move a lane to nobody and hold it up until the job's timeout.
    for (const w of offers) if (!this.probed.has(w) && !this.probing.has(w)) void this.probe(w);
    const nodes = [null, ...offers.filter((w) => this.probed.has(w)).sort()];
    this.lanes.forEach((l, i) => {
      // Its holder stopped offering (killed, off the bus): its jobs in flight will not be answered.
      if (l.holder !== null && !offers.includes(l.holder) && l.inFlight > 0) this.endJobsOf(l.holder, `node ${l.holder} no longer offers to carry out lanes`);
      const want = nodes[i % nodes.length];
      if (l.holder === want || l.moving || l.handing) return;
      if (want === null) void this.move(i, null);
      else void this.handTo(i, want);
    });
  }

  /**
   * Lane `lane` to `node` if it answers a probe now, asked before the lane is held up by the move:
   * a node that offered may have died, or restarted and not yet listen for jobs.
   */
  private async handTo(lane: number, node: string): Promise<void> {
    const l = this.lanes[lane];
    l.handing = true;
    try {
      if ((await this.probe(node)) && !this.stopped) await this.move(lane, node);
    } finally {
      l.handing = false;
    }
  }

  /** Whether `node` answers that it carries out lanes; one that does not is left out a while. */
  private async probe(node: string): Promise<boolean> {
    this.probing.add(node);
    try {
      const a = await this.ask(node, { probe: true });
      if (!a.ok && a.code === 'ready') {
        this.probed.add(node);
        return true;
      }
    } catch {
      // No answer: below.
    } finally {
      this.probing.delete(node);
    }
    this.probed.delete(node);
    this.leaveOut(node);
    return false;
  }

  private leaveOut(node: string): void {
    this.left.set(node, this.o.clock.now() + (this.o.coolDownMs ?? 30_000));
  }

  /** Moves lane `lane` to `to` (null: here) once its jobs in flight are over; a failed grant leaves it where it was. */
  private move(lane: number, to: string | null): Promise<void> {
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
        if (l.resend) {
          l.resend = false;
          this.takenBack.next(lane);
        }
      } catch (e) {
        this.o.tasks.log.warn(`lane ${lane} could not move to ${to ?? 'this node'}: ${(e as Error).message}`);
      }
    })();
    l.moving = moving;
    void moving.finally(() => (l.moving = null));
    return moving;
  }

  private version(): LaneVersion {
    return { incarnation: this.incarnation, reach: this.o.reach.version, cancels: this.cancels.length };
  }

  /** What `node` lacks of the context of `version`, by what it acknowledged (all of it, when nothing). */
  private contextFor(node: string, version: LaneVersion): LaneJobMessage['context'] {
    const known = this.known.get(node);
    if (known && known.reach >= version.reach && known.cancels >= version.cancels) return undefined;
    const from = known?.cancels ?? 0;
    return { ...(known && known.reach >= version.reach ? {} : { reach: this.o.reach.snapshot() }), from, cancelled: this.cancels.slice(from, version.cancels) };
  }

  private async send(lane: number, grant: LaneGrant, job: LaneJob, now: number): Promise<StepOutput> {
    const node = grant.node;
    const version = this.version();
    const message = (context: LaneJobMessage['context']): LaneJobMessage => ({
      grant,
      now,
      job: job.kind === 'items' ? { kind: 'items', items: job.items.map(({ deliveryId, event }) => ({ deliveryId, event })) } : job,
      version,
      ...(context ? { context } : {}),
    });
    // Answers are taken in the order they come, lane by lane (a job's drops must not overtake the
    // sends of the job before), whatever completing them waits for.
    const asked = this.ask(node, message(this.contextFor(node, version))).then(async (first) => {
      if (first.ok || first.code !== 'context') return first;
      this.known.delete(node);
      return this.ask(node, message(this.contextFor(node, version)));
    });
    const answered = Promise.race([asked, this.goneOf(node).ended]);
    // Taken up below only once the answers before it are: a failure meanwhile is not unhandled
    // (Node ends a process on an unhandled rejection: a follower dying did, found by CI).
    answered.catch(() => undefined);
    const output = this.tails[lane].then(async () => {
      let answer: LaneAnswer;
      try {
        answer = await answered;
      } catch (e) {
        // No answer, or one that cannot be read: the job may have committed there.
        const why = new LaneUnavailable(`node ${node} did not answer a job of lane ${lane}: ${(e as Error).message}`);
        this.failed(lane, node, why, true);
        throw why;
      }
      if (!answer.ok) {
        const e = new LaneUnavailable(`node ${node} did not carry out a job of lane ${lane}: ${answer.code}: ${answer.message}`);
        this.failed(lane, node, e, false);
        throw e;
      }
      const known = this.known.get(node);
      this.known.set(node, { reach: Math.max(known?.reach ?? -1, version.reach), cancels: Math.max(known?.cancels ?? 0, version.cancels) });
      const sends = (await Promise.all(answer.sends.map((s) => this.o.stepper.sendOf(s, this.o.read)))).filter((s): s is SendItem => s !== null);
      const { applied, events, drops, timersArmed, finals } = answer;
      return { applied, events, sends, drops, timersArmed, finals };
    });
    this.tails[lane] = output.catch(() => undefined);
    return output;
  }

  private async ask(node: string, message: LaneJobMessage | { probe: true }): Promise<LaneAnswer> {
    const raw = await this.o.transport.request(node, message, this.o.timeoutMs);
    const r = laneAnswer.safeParse(raw);
    if (!r.success) throw new Error(`node ${node} answered a lane job with what this node cannot read: ${summarizeIssues(describeIssues(r.error))}`);
    return r.data;
  }

  /** What ends every job waiting on `node` at once (`endJobsOf`), raced with each job's answer. */
  private goneOf(node: string): { ended: Promise<never>; end: (e: Error) => void } {
    let g = this.gone.get(node);
    if (!g) {
      let end!: (e: Error) => void;
      const ended = new Promise<never>((_, reject) => (end = reject));
      ended.catch(() => undefined);
      this.gone.set(node, (g = { ended, end }));
    }
    return g;
  }

  /** Every job waiting on `node` ends now, failed: each may have committed there. */
  private endJobsOf(node: string, why: string): void {
    const g = this.gone.get(node);
    this.gone.delete(node);
    g?.end(new Error(why));
  }

  /**
   * The job failed there, or no answer came: the lane comes back here, and the node is left out a
   * while. `unsure`: the job may have committed there, sends and all, that never came back: once
   * the lane has moved, whatever is in flight in it is sent again (`takenBack$`).
   */
  private failed(lane: number, node: string, e: Error, unsure: boolean): void {
    if (this.gone.has(node)) this.o.tasks.log.warn(`lane ${lane}: ${e.message}; taking it back`);
    this.endJobsOf(node, e.message);
    this.known.delete(node);
    this.probed.delete(node); // asked again before it is given a lane again
    this.leaveOut(node);
    const l = this.lanes[lane];
    if (unsure) l.resend = true;
    if (l.holder === node && !this.stopped) void this.move(lane, null);
  }
}
