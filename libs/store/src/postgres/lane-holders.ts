import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DatabaseInUseError } from '../database-in-use';
import type { GrantedLanes, LaneGrant, LaneGrants, Repositories } from '../port';
import { createRepositories } from '../repositories';
import { openLaneSession } from './pg-database';
import { PgRunner } from './pg-runner';
import { laneLock, LOCK_LANES } from './writer-lease';


/** A write refused because its grant is no longer the lane's: another node carries it out now. */
export class LaneMoved extends DatabaseInUseError {}

/**
 * The active node's grants of lanes (`lane_holders`). A grant takes the lane's lock exclusive, so
 * it waits for the transaction in flight under the grant before (a node's sessions end a
 * transaction left idle for a lease: a hung node holds it up no longer), and bumps the epoch with
 * a fresh key: from its commit on, a write under an older grant is refused.
 */
export class PostgresLaneGrants implements LaneGrants {
  constructor(
    private readonly pool: Pool,
    private readonly writerEpoch: () => number,
    private readonly lanes: number,
    private readonly waitMs: number,
  ) {}

  async grant(lane: number, node: string): Promise<LaneGrant> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL statement_timeout = ${Math.round(this.waitMs)}`);
      await client.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_LANES}), pg_advisory_xact_lock(${laneLock(lane)})`);
      const writerEpoch = this.writerEpoch();
      const { rows } = await client.query<{ epoch: number; key: string; writer: number | null }>(
        `INSERT INTO lane_holders (lane, lanes, node, epoch, key) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (lane) DO UPDATE SET lanes = EXCLUDED.lanes, node = EXCLUDED.node, epoch = lane_holders.epoch + 1, key = EXCLUDED.key
         RETURNING epoch, key, (SELECT epoch FROM writer_lease WHERE id = 1) AS writer`,
        [lane, this.lanes, node, randomKey()],
      );
      if (Number(rows[0].writer) !== writerEpoch) throw new DatabaseInUseError(`another node took the writer lease: lane ${lane} not granted`);
      await client.query('COMMIT');
      return { lane, lanes: this.lanes, node, epoch: Number(rows[0].epoch), key: rows[0].key, writerEpoch };
    } catch (e) {
      await client.query('ROLLBACK').catch((r: Error) => (broken = r));
      throw e;
    } finally {
      client.release(broken);
    }
  }
}

function randomKey(): string {
  return randomBytes(16).toString('hex');
}

/**
 * A node's writes under grants of the active node: one session per lane, one job per transaction,
 * the lane's jobs one after another. Each transaction first takes the lanes' lock and its lane's
 * lock shared (so a takeover or a new grant waits for it), then checks in a second statement
 * (whose snapshot is taken after the waits) that the writer lease and the lane's row are still
 * those of the grant; otherwise it is refused and writes nothing.
 */
export class PostgresGrantedLanes implements GrantedLanes {
  private readonly sessions = new Map<number, PoolClient>();
  private readonly tails = new Map<number, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    /** How long a transaction may stay idle, and a statement run: the active node's lease. */
    private readonly leaseMs: number,
  ) {}

  writeGranted<T>(grant: LaneGrant, job: (tx: Repositories) => Promise<T>): Promise<T> {
    const run = (this.tails.get(grant.lane) ?? Promise.resolve()).catch(() => undefined).then(() => this.transaction(grant, job));
    this.tails.set(grant.lane, run);
    return run;
  }

  private async transaction<T>(grant: LaneGrant, job: (tx: Repositories) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('closed');
    const client = await this.session(grant.lane);
    try {
      await client.query('BEGIN');
      try {
        await client.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_LANES}), pg_advisory_xact_lock(${laneLock(grant.lane)})`);
        const { rows } = await client.query<{ writer: number | null; lanes: number; node: string; epoch: number; key: string }>(
          'SELECT (SELECT epoch FROM writer_lease WHERE id = 1) AS writer, lanes, node, epoch, key FROM lane_holders WHERE lane = $1',
          [grant.lane],
        );
        const h = rows[0];
        const same = h && Number(h.writer) === grant.writerEpoch && Number(h.lanes) === grant.lanes && h.node === grant.node && Number(h.epoch) === grant.epoch && h.key === grant.key;
        if (!same) throw new LaneMoved(`lane ${grant.lane} is no longer this node's (grant epoch ${grant.epoch}): nothing written`);
        const out = await job(createRepositories(new PgRunner(client)));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } catch (e) {
      // A lane moved away gives its session back to the pool; one that failed (cut, ended by the
      // server) is not used again.
      if (e instanceof LaneMoved) this.drop(grant.lane);
      else if (!(e instanceof DatabaseInUseError) && (e as { severity?: string }).severity !== 'ERROR') this.drop(grant.lane, e as Error);
      throw e;
    }
  }

  private async session(lane: number): Promise<PoolClient> {
    let client = this.sessions.get(lane);
    if (client) return client;
    client = await openLaneSession(this.pool, this.leaseMs);
    client.on('error', (e: Error) => this.drop(lane, e));
    this.sessions.set(lane, client);
    return client;
  }

  /** The lane's session back to the pool (`e`: broken, closed instead). */
  private drop(lane: number, e?: Error): void {
    const client = this.sessions.get(lane);
    if (!client) return;
    this.sessions.delete(lane);
    client.removeAllListeners('error');
    client.release(e);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.tails.values()].map((t) => t.catch(() => undefined)));
    for (const [lane] of this.sessions) this.drop(lane, new Error('closed'));
  }
}
