import type { TimerName } from '@lifeline/machines';
import type { Repositories } from '@lifeline/store';
import type { EngineEvent, EngineItem } from './engine-item';

/**
 * One write job of an engine lane, as data: what to read and step inside the lane's transaction.
 * As data, not as a function, so that another node of a cluster can carry it out for the active
 * one (`RemoteLanes`): the reads happen inside whichever transaction writes.
 */
export type LaneJob =
  /** Events for deliveries (gateway results, answers, channel changes, cancels). */
  | { kind: 'items'; items: { deliveryId: string; event: EngineEvent }[] }
  /** Starts up to `limit` unstarted deliveries, highest priority first. */
  | { kind: 'start'; limit: number }
  /** Fires up to `limit` due timers, deleting their rows. */
  | { kind: 'timers'; limit: number }
  /** Ends up to `limit` unstarted deliveries whose time to live ran out. */
  | { kind: 'expire'; limit: number };

/** A TIMER_FIRED event for a timer row's name and epoch. */
function timerEvent(name: string, epoch: number, at: number): EngineEvent {
  return { type: 'TIMER_FIRED', at, name: name as TimerName, epoch };
}

/** The events `job` stands for, read (and, for timers, taken) inside the job's transaction. */
export async function jobItems(tx: Repositories, job: LaneJob, partitions: readonly number[] | null, now: number): Promise<EngineItem[]> {
  switch (job.kind) {
    case 'items':
      return job.items;
    case 'start':
      return (await tx.deliveries.nextNew(job.limit, partitions)).map((id) => ({ deliveryId: id, event: { type: 'START', at: now } }));
    case 'expire':
      return (await tx.deliveries.expiredNew(now, job.limit, partitions)).map((id) => ({ deliveryId: id, event: { type: 'START', at: now } }));
    case 'timers': {
      const due = await tx.timers.due(now, job.limit, partitions);
      for (const t of due) await tx.timers.remove(t);
      return due.map((t) => ({ deliveryId: t.delivery_id, event: timerEvent(t.name, Number(t.epoch), now) }));
    }
  }
}
