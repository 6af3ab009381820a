import { SystemClock, type Clock } from '@lifeline/clock';
import type { Pool, PoolClient } from 'pg';
import { isIn, type SqlRunner } from '../sql';
import { within } from './within';

export interface WorkLeaseOptions {
  /** This node's name, unique in the cluster. */
  node: string;
  /**
   * Seconds from a node's death to its partitions being taken by the others, at most. A node
   * beats every fifth of it (`beatMs`); its leases, and its place among the nodes alive, last
   * three quarters, so two beats may be missed (the third comes at three fifths) and the others'
   * next beats after expiry fall within the lease (three quarters and a fifth).
   */
  leaseS: number;
  /** The clock the beat's deadline is kept by (default: the system's). */
  clock?: Clock;
}

/** What one beat changed: partitions taken (with their new epochs) and partitions no longer held. */
export interface LeaseChange {
  gained: Map<number, number>;
  lost: number[];
}

/** A write of partitions this node no longer holds: the transaction must roll back. */
export class PartitionLost extends Error {}

/**
 * This node's leases on partitions of the delivery work (`work_leases`, PostgreSQL). Each beat,
 * in one transaction: it says it is alive (`work_nodes`), renews what it holds at the epochs it
 * holds (a partition another node took is not renewed: lost), gives back what is beyond its fair
 * share of the partitions among the nodes alive, and claims free or expired partitions up to that
 * share with `FOR UPDATE SKIP LOCKED`, so nodes claiming at once never take the same one. A claim
 * bumps the partition's epoch: the fencing token that `fence` checks in every write transaction.
 *
 * The claim code is the project's own: the ready-made PostgreSQL job queues need Node 22, and
 * what is needed is small (docs/WORK-SHARING.md).
 */
export class WorkLeases {
  /** Partition → the epoch this node holds it at. */
  private readonly held = new Map<number, number>();
  private total = 0;
  private readonly clock: Clock;

  constructor(
    private readonly pool: Pool,
    private readonly o: WorkLeaseOptions,
  ) {
    this.clock = o.clock ?? new SystemClock();
  }

  get beatMs(): number {
    return (this.o.leaseS * 1000) / 5;
  }

  /** The partitions this node holds now, with their epochs. */
  get partitions(): ReadonlyMap<number, number> {
    return this.held;
  }

  /** How many partitions the work has (known after the first beat). */
  get count(): number {
    return this.total;
  }

  /** One round of the lease: alive, renew, give back beyond the share, claim up to it. */
  async beat(): Promise<LeaseChange> {
    const change: LeaseChange = { gained: new Map(), lost: [] };
    await this.transaction(async (c) => {
      const leaseS = (this.o.leaseS * 3) / 4;
      await c.query('INSERT INTO work_nodes (node, seen_at) VALUES ($1, now()) ON CONFLICT (node) DO UPDATE SET seen_at = now()', [this.o.node]);
      const renewed = await c.query<{ partition: number }>(
        `UPDATE work_leases w SET expires_at = now() + make_interval(secs => $2)
           FROM unnest($3::int[], $4::bigint[]) AS h(p, e)
          WHERE w.partition = h.p AND w.epoch = h.e AND w.node = $1
          RETURNING w.partition`,
        [this.o.node, leaseS, [...this.held.keys()], [...this.held.values()]],
      );
      const kept = new Set(renewed.rows.map((r) => r.partition));
      for (const p of this.held.keys()) if (!kept.has(p)) change.lost.push(p);
      // Rows in this node's name that it does not know it holds (a beat whose COMMIT succeeded
      // but whose answer was lost claimed them, or this node before a restart): it takes them
      // back with a new epoch, fencing off whoever wrote under the old one. Not those it believed
      // it held (renewed, or just lost to a process of the same name: two of one name must not
      // take rows back and forth at once), and not rows a write in flight holds: like a claim, a
      // take-back skips them (the epoch is no key column, so the write's FOR KEY SHARE would not
      // stop it) and takes them at a later beat.
      const adopted = await c.query<{ partition: number; epoch: number }>(
        `UPDATE work_leases w SET epoch = w.epoch + 1, expires_at = now() + make_interval(secs => $2)
          WHERE w.partition IN (SELECT partition FROM work_leases WHERE node = $1 AND NOT (partition = ANY($3::int[]))
                                 FOR UPDATE SKIP LOCKED)
          RETURNING w.partition, w.epoch`,
        [this.o.node, leaseS, [...this.held.keys()]],
      );
      for (const r of adopted.rows) {
        kept.add(r.partition);
        change.gained.set(r.partition, Number(r.epoch));
      }
      const { rows } = await c.query<{ total: number; alive: string[] }>(
        `SELECT (SELECT count(*) FROM work_leases)::int AS total,
                ARRAY(SELECT node FROM work_nodes WHERE seen_at > now() - make_interval(secs => $1) ORDER BY node) AS alive`,
        [leaseS],
      );
      this.total = rows[0].total;
      const share = shareOf(this.total, rows[0].alive, this.o.node);
      const keep = [...kept].sort((a, b) => a - b);
      const extra = keep.splice(share);
      if (extra.length) {
        await c.query('UPDATE work_leases SET node = NULL, expires_at = NULL WHERE node = $1 AND partition = ANY($2::int[])', [this.o.node, extra]);
        change.lost.push(...extra.filter((p) => !change.gained.delete(p)));
      } else if (keep.length < share) {
        const claimed = await c.query<{ partition: number; epoch: number }>(
          `UPDATE work_leases w SET node = $1, epoch = w.epoch + 1, expires_at = now() + make_interval(secs => $2)
            WHERE w.partition IN (SELECT partition FROM work_leases WHERE node IS NULL OR expires_at < now()
                                   ORDER BY partition LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING w.partition, w.epoch`,
          [this.o.node, leaseS, share - keep.length],
        );
        for (const r of claimed.rows) change.gained.set(r.partition, Number(r.epoch));
      }
      // Nodes gone for a day are forgotten: the table stays the size of the cluster.
      await c.query("DELETE FROM work_nodes WHERE seen_at < now() - interval '1 day'");
    });
    for (const p of change.lost) this.held.delete(p);
    for (const [p, e] of change.gained) this.held.set(p, e);
    return change;
  }

  /**
   * Inside a write transaction on `db`: locks the lease rows of `partitions` until the
   * transaction ends, so that no other node claims them meanwhile (its `FOR UPDATE SKIP LOCKED`
   * skips them), and throws PartitionLost unless this node still holds each at its epoch. A node
   * whose lease was taken thus writes nothing. `FOR KEY SHARE`, the weakest lock that a claim
   * conflicts with: this node's own beat renews and gives back (updates of columns that are not
   * the key) without waiting for its writes, and without the deadlock that `FOR SHARE` would risk
   * (a beat locking rows in one order while a write takes them in another).
   */
  async fence(db: SqlRunner, partitions: readonly number[]): Promise<void> {
    const want = [...new Set(partitions)];
    if (!want.length) return;
    const unheld = want.filter((p) => !this.held.has(p));
    if (unheld.length) throw new PartitionLost(`partitions ${unheld.join(', ')} are not held by ${this.o.node}`);
    const partition = isIn(db, 'partition', want, 'bigint');
    const rows = await db.all<{ partition: number; node: string | null; epoch: number }>(`SELECT partition, node, epoch FROM work_leases WHERE ${partition.sql} FOR KEY SHARE`, ...partition.params);
    const taken = want.filter((p) => !rows.some((r) => r.partition === p && r.node === this.o.node && Number(r.epoch) === this.held.get(p)));
    if (taken.length) throw new PartitionLost(`partitions ${taken.join(', ')} were taken from ${this.o.node} by another node`);
  }

  /** Gives every partition back at once (a graceful stop): the others claim them at their next beat. */
  async release(): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(
        `UPDATE work_leases w SET node = NULL, expires_at = NULL FROM unnest($2::int[], $3::bigint[]) AS h(p, e)
          WHERE w.partition = h.p AND w.epoch = h.e AND w.node = $1`,
        [this.o.node, [...this.held.keys()], [...this.held.values()]],
      );
      await c.query('DELETE FROM work_nodes WHERE node = $1', [this.o.node]);
    });
    this.held.clear();
  }

  /**
   * `fn` in a transaction of its own that must be over within a beat: a session that hangs (a
   * half-open socket, a lock waited on) is destroyed here, and ended by the server at the same
   * limit (its statement, lock and idle-in-transaction timeouts), so its transaction rolls back
   * and its locks go; the beat fails and the next one takes a fresh session. A beat whose COMMIT
   * went through but whose answer was lost is mended by the next one (it takes back rows in its
   * name).
   */
  private async transaction(fn: (c: PoolClient) => Promise<void>): Promise<void> {
    const deadline = this.clock.now() + this.beatMs;
    const c = await within(this.clock, this.beatMs, this.pool.connect(), (late) => late.release());
    try {
      await within(this.clock, Math.max(1, deadline - this.clock.now()), (async () => {
        // The server's own limits too: a session this side gave up on (a half-open socket, a
        // lock waited on) would otherwise hold its row locks until its statement or TCP ends.
        const ms = Math.ceil(this.beatMs);
        await c.query(`BEGIN; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${ms}; SET LOCAL idle_in_transaction_session_timeout = ${ms}`);
        await fn(c);
        await c.query('COMMIT');
      })());
      c.release();
    } catch (e) {
      c.release(e as Error); // the session ends: the server rolls back what it had begun
      throw e;
    }
  }
}

/**
 * This node's share of `total` partitions among the nodes `alive` (sorted by name): an even split,
 * the remainder one each to the first by name (64 among 7: 10, 9, 9 …, never 10 … 10, 4). A node
 * not yet among them (its first beat) counts itself in.
 */
export function shareOf(total: number, alive: readonly string[], node: string): number {
  const nodes = alive.includes(node) ? alive : [...alive, node].sort();
  const rank = nodes.indexOf(node);
  return Math.floor(total / nodes.length) + (rank < total % nodes.length ? 1 : 0);
}
