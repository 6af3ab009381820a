import type { StepOutput } from './delivery-stepper';
import type { LaneJob } from './lane-job';

/** Leave to run one job on a lane: here (`remote` null), or on the node that carries the lane out now. */
export interface LaneTicket {
  remote: ((job: LaneJob, now: number) => Promise<StepOutput>) | null;
  /** The job is over (committed or failed): the lane may move. */
  leave(): void;
}

/**
 * Where each lane's jobs run. A lane moves only between jobs: `enter` waits while it moves, and
 * a move waits for the jobs that entered to leave.
 */
export interface LanePlacement {
  enter(lane: number): LaneTicket | Promise<LaneTicket>;
  /** An order was cancelled: nodes that carry lanes out must know before their next job. */
  cancelled(orderId: string): void;
}

/**
 * A lane's job failed because the node carrying the lane out failed it or did not answer: the lane
 * is coming back here, so the job may be tried again at once.
 */
export class LaneUnavailable extends Error {}

/**
 * How to log a job that failed: a lane coming back from a node that failed is a warning (the
 * cluster copes, and says so once in `RemoteLanes`), anything else an error (counted by metrics).
 */
export function failureLevel(e: unknown): 'warn' | 'error' {
  return e instanceof LaneUnavailable ? 'warn' : 'error';
}

const LOCAL: LaneTicket = { remote: null, leave: () => undefined };

/** Every lane here: a lone router, SQLite, a node without a bus. */
export const ALL_HERE: LanePlacement = { enter: () => LOCAL, cancelled: () => undefined };
