import { SystemClock, type Clock } from '@lifeline/clock';
import type { Pool, PoolClient } from 'pg';
import { DatabaseInUseError } from '../database-in-use';
import type { Queryable } from './pg-runner';
import { within } from './within';

/**
 * Advisory locks Lifeline takes, one set per schema (advisory locks are database-wide, and
 * several Lifelines may share a database in schemas of their own): the key is a hash of the name.
 */
export const lockKey = (what: string) => `hashtext('lifeline:${what}:' || current_schema())`;
const LOCK_WRITER = lockKey('writer');
/** Held shared by each lane transaction, exclusive by a claim: PostgreSQL queues these fairly. */
export const LOCK_LANES = lockKey('lanes');
/**
 * Lane `lane`'s own lock: held by each of its transactions (shared by the active node's lane
 * writer, exclusive on a node carrying the lane out) and exclusive by a grant of it (lane-holders.ts).
 */
export const laneLock = (lane: number) => lockKey(`lane:${Math.trunc(lane)}`);

export interface LeaseOptions {
  /** This node's name, as the others and `/health` show it. */
  node: string;
  /** Seconds the writer may stay silent (no heartbeat) before a standby fences it off. */
  leaseS: number;
  /** Wait as a standby while another node writes, instead of refusing at once. */
  standby: boolean;
  /** While a standby waits: who writes now (null when nobody is known to). */
  whileWaiting?: (active: ActiveWriter | null) => void;
  /** While a standby waits: the database could not be asked (it waits on, and asks again). */
  onWaitError?: (e: Error) => void;
  clock?: Clock;
}

/** The node that holds the writer lease, as its row says. */
export interface ActiveWriter {
  node: string;
  epoch: number;
  /** Seconds since its last heartbeat, by the database server's clock (no skew between nodes). */
  silentS: number;
  /** Set when a standby found it silent past the lease and ended its session to take over. */
  fenced?: boolean;
}

/**
 * The writer lease of a PostgreSQL database. Two things make it: a session advisory lock, which
 * the server gives to one session at a time and frees the moment that session ends (a killed
 * node's socket closes, and the next node takes over at once); and the `writer_lease` row, which
 * the holder stamps with a heartbeat and an epoch. A standby that finds the heartbeat older than
 * the lease ends the holder's session itself (a node that hangs, or lost its network to the
 * database but not its sockets, would otherwise keep the lock until TCP gives up, hours later).
 * The epoch fences: a writer whose session was cut takes the lock again only if no other node
 * took it meanwhile; otherwise its memory is stale, and `lost` tells it to stop.
 */
export class WriterLease {
  /** Resolves, with why, once this node is no longer the writer: it must stop at once. */
  readonly lost: Promise<string>;
  private lose!: (why: string) => void;
  private isLost = false;
  private beat: PoolClient | null = null;
  private cancelBeat: (() => void) | null = null;
  /** The heartbeat in flight, and when one last went through (this node's clock). */
  private beating: Promise<void> = Promise.resolve();
  private lastBeat: number;
  private closed = false;
  private readonly clock: Clock;

  private constructor(
    private readonly pool: Pool,
    private readonly o: LeaseOptions,
    private readonly describe: string,
    /** Which holder this is: bumped by every node that takes the lease. */
    readonly epoch: number,
  ) {
    this.clock = o.clock ?? new SystemClock();
    this.lastBeat = this.clock.now();
    this.lost = new Promise((r) => (this.lose = r));
    this.scheduleBeat();
  }

  /**
   * A session holding the writer lock: at once, or (a standby) once the node holding it is gone.
   * Another node holding it refuses (DatabaseInUseError) unless `standby`.
   */
  static async lock(pool: Pool, describe: string, o: LeaseOptions): Promise<PoolClient> {
    const clock = o.clock ?? new SystemClock();
    const pollMs = Math.min(500, (o.leaseS * 1000) / 4);
    if (!o.standby) return (await tryLock(pool)) ?? Promise.reject(inUse(describe));
    for (;;) {
      try {
        const session = await tryLock(pool);
        if (session) return session;
        const active = await activeWriter(pool);
        if (active && active.silentS > o.leaseS) active.fenced = await endHolder(pool, active.epoch, o.leaseS);
        o.whileWaiting?.(active);
      } catch (e) {
        o.onWaitError?.(e as Error); // the server restarting, a permission refused: wait on
      }
      await new Promise<void>((r) => clock.schedule(clock.now() + pollMs, r));
    }
  }

  /** Claims the lease on the session holding the lock (the schema migrated): a new epoch. */
  static async claim(pool: Pool, session: PoolClient, describe: string, o: LeaseOptions): Promise<WriterLease> {
    await session.query('BEGIN');
    try {
      // Waits for the lane transactions of the node before, which hold this lock shared (`fence`),
      // and keeps new ones waiting until the new epoch is committed: they then find it and refuse.
      await session.query(`SELECT pg_advisory_xact_lock(${LOCK_LANES})`);
      const { rows } = await session.query<{ epoch: string }>(
        `INSERT INTO writer_lease (id, epoch, node, backend_pid, heartbeat_at) VALUES (1, 1, $1, pg_backend_pid(), now())
         ON CONFLICT (id) DO UPDATE SET epoch = writer_lease.epoch + 1, node = EXCLUDED.node, backend_pid = EXCLUDED.backend_pid, heartbeat_at = now()
         RETURNING epoch`,
        [o.node],
      );
      await session.query('COMMIT');
      return new WriterLease(pool, o, describe, Number(rows[0].epoch));
    } catch (e) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Refuses unless this node still holds the lease (and the lease is then lost): the first
   * statements of a lane's transaction, on the lane's session. The lanes' lock, taken shared until
   * that transaction ends, makes a node taking over (`claim`, which takes it exclusive) wait for
   * it; and a lane transaction that begins after a claim waits for the claim's commit, then reads
   * the new epoch. Two statements: in one, the epoch would be read from a snapshot taken before
   * the wait. Advisory locks queue in order, so lanes that keep coming cannot starve a claim.
   */
  async fence(q: Queryable, lane: number): Promise<void> {
    if (this.isLost) throw new DatabaseInUseError(`${this.describe}: this node no longer holds the writer lease`);
    // And the lane's own lock, shared: a grant of the lane to another node waits for this
    // transaction too (lane-holders.ts), whatever this node believes is in flight.
    await q.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_LANES}), pg_advisory_xact_lock_shared(${laneLock(lane)})`, []);
    const { rows } = await q.query('SELECT epoch FROM writer_lease WHERE id = 1', []);
    if (Number(rows[0]?.epoch) !== this.epoch) throw this.giveUp(`${this.describe}: another node took the writer lease (this node's epoch was ${this.epoch})`);
  }

  get leaseMs(): number {
    return this.o.leaseS * 1000;
  }

  /**
   * The lock again, after the writer's session was cut: only if this node still holds the epoch
   * (nobody wrote meanwhile). Otherwise the lease is lost, and DatabaseInUseError says so.
   */
  async retake(): Promise<PoolClient> {
    if (this.isLost) throw inUse(this.describe);
    const session = await tryLock(this.pool);
    if (!session) {
      // The lock may still be held by this node's own old session: the connection broke on this
      // side first, and the server has not noticed yet. End it, and the next transaction tries again.
      if (await endHolder(this.pool, this.epoch, null)) throw new DatabaseInUseError(`${this.describe}: this node's old session still held the writer lock; ended it`);
      throw this.giveUp(`${this.describe}: another node took the writer lease while this one's session was cut`);
    }
    try {
      const { rowCount } = await session.query('UPDATE writer_lease SET backend_pid = pg_backend_pid(), heartbeat_at = now() WHERE id = 1 AND epoch = $1', [this.epoch]);
      if (rowCount === 1) return session;
    } catch (e) {
      session.release(e as Error);
      throw e;
    }
    session.release(true);
    throw this.giveUp(`${this.describe}: another node wrote while this one's session was cut; what this node remembers is stale`);
  }

  private giveUp(why: string): DatabaseInUseError {
    if (!this.isLost) {
      this.isLost = true;
      this.lose(why);
    }
    return new DatabaseInUseError(why);
  }

  /** Heartbeats on a session of their own, so that a long transaction does not silence them. */
  private scheduleBeat(): void {
    if (this.closed || this.isLost) return;
    this.cancelBeat = this.clock.schedule(this.clock.now() + this.beatMs, () => {
      this.beating = this.heartbeat().finally(() => this.scheduleBeat());
    });
  }

  private get beatMs(): number {
    return this.leaseMs / 4;
  }

  /**
   * One heartbeat. It may take no longer than a beat (a query stuck on a half-open socket would
   * silence every later one). A node of a cluster (`standby`) that has not reached the database
   * for a whole lease steps down: a standby may have taken over meanwhile, and this node's gateways
   * and sends would go on from stale memory. A lone router keeps trying: nobody else can write.
   */
  private async heartbeat(): Promise<void> {
    try {
      this.beat ??= await within(this.clock, this.beatMs, this.pool.connect(), (late) => late.release());
      if (this.closed) return;
      const { rowCount } = await within(this.clock, this.beatMs, this.beat.query('UPDATE writer_lease SET heartbeat_at = now() WHERE id = 1 AND epoch = $1', [this.epoch]));
      if (rowCount === 0 && !this.closed) this.giveUp(`${this.describe}: another node took the writer lease (this node's epoch was ${this.epoch})`);
      this.lastBeat = this.clock.now();
    } catch (e) {
      // The server is away (or too slow): the next beat tries a fresh session.
      this.beat?.release(e as Error);
      this.beat = null;
      const silentMs = this.clock.now() - this.lastBeat;
      if (this.o.standby && !this.closed && silentMs > this.o.leaseS * 1000)
        this.giveUp(`${this.describe}: the database has not been reached for ${Math.round(silentMs / 1000)} s, past the ${this.o.leaseS} s lease; a standby may have taken over`);
    }
  }

  /** Stops the heartbeats, once the one in flight (if any) is over. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelBeat?.();
    await this.beating;
    this.beat?.release();
    this.beat = null;
  }
}

/** A session holding the writer lock, or null when another session holds it. */
async function tryLock(pool: Pool): Promise<PoolClient | null> {
  const session = await pool.connect();
  try {
    const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_WRITER}) AS ok`);
    if (rows[0].ok) return session;
  } catch (e) {
    session.release(e as Error);
    throw e;
  }
  session.release(); // a healthy session: back to the pool, not a new connection every poll
  return null;
}

/** Who writes, by the lease row; null before any node claimed it (or on a schema older than it). */
async function activeWriter(pool: Pool): Promise<ActiveWriter | null> {
  try {
    const { rows } = await pool.query<{ node: string; epoch: string; silent_s: number }>(
      'SELECT node, epoch, extract(epoch FROM now() - heartbeat_at)::float8 AS silent_s FROM writer_lease WHERE id = 1',
    );
    return rows[0] ? { node: rows[0].node, epoch: Number(rows[0].epoch), silentS: rows[0].silent_s } : null;
  } catch {
    return null;
  }
}

/**
 * Ends the session that holds the writer lock for `epoch` (the row's session), which frees the
 * lock: a writer silent for more than `silentS` (a standby fencing it off), or, with null, this
 * node's own old session. One statement checks and acts, so a holder that took over or beat
 * meanwhile is left alone, and so is a pid the server has since given to another session.
 * Needs the same database role as the writer (or a superuser, or `pg_signal_backend`).
 */
export async function endHolder(pool: Pool, epoch: number, silentS: number | null): Promise<boolean> {
  const { rows } = await pool.query<{ ended: boolean }>(
    `SELECT pg_terminate_backend(l.pid) AS ended
       FROM pg_locks l JOIN writer_lease w ON w.backend_pid = l.pid
      WHERE w.epoch = $1 AND ($2::float8 IS NULL OR w.heartbeat_at < now() - make_interval(secs => $2::float8))
        AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = (${LOCK_WRITER})::bigint`,
    [epoch, silentS],
  );
  return rows.some((r) => r.ended);
}

function inUse(describe: string): DatabaseInUseError {
  return new DatabaseInUseError(`${describe} is in use by another Lifeline router; stop that one first, start this one as a standby, or give it its own database`);
}
