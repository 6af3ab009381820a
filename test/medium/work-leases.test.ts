import type { PoolClient } from 'pg';
import { PartitionLost, PgRunner, PostgresStore, WorkLeases } from '@lifeline/store';
import { describeOnPostgres, testDatabase } from '../support/test-store';

/**
 * Leases on partitions of the delivery work, among nodes sharing one PostgreSQL database: every
 * partition held by one node at a time, shares balanced among the nodes alive, a dead node's
 * partitions taken by the others, and a node whose partition was taken writing nothing (the
 * fence). A node's death is its rows left to expire: here they are set expired, not waited for.
 */
describeOnPostgres('work leases', () => {
  let db: ReturnType<typeof testDatabase>;
  let store: PostgresStore;
  const sessions: PoolClient[] = [];
  beforeEach(async () => {
    db = testDatabase();
    store = await PostgresStore.open({ url: db.database, schema: db.schema });
  });
  afterEach(async () => {
    for (const c of sessions.splice(0)) {
      await c.query('ROLLBACK').catch(() => undefined);
      c.release();
    }
    await store.close();
    await db.drop();
  });

  const node = (name: string) => new WorkLeases(store.db.pool, { node: name, leaseS: 10 });
  /** Beats every node, in turn, `rounds` times: what a few seconds of a cluster does. */
  const settle = async (nodes: WorkLeases[], rounds = 3) => {
    for (let i = 0; i < rounds; i++) for (const n of nodes) await n.beat();
  };
  const owners = async () => (await store.db.pool.query<{ partition: number; node: string | null }>('SELECT partition, node FROM work_leases ORDER BY partition')).rows;
  /**
   * A node that died 8 s ago, its last beat then: with a 10 s lease its leases (7.5 s) ran out half
   * a second ago, and so did its place among the nodes alive. The others' next beats take over.
   */
  const die = (name: string) =>
    Promise.all([
      store.db.pool.query("UPDATE work_nodes SET seen_at = now() - interval '8 seconds' WHERE node = $1", [name]),
      store.db.pool.query("UPDATE work_leases SET expires_at = now() - interval '0.5 seconds' WHERE node = $1", [name]),
    ]);
  /** A write transaction of `leases`, on a session of its own, fenced on `partitions`: left open. */
  const writing = async (leases: WorkLeases, partitions: number[]) => {
    const c = await store.db.pool.connect();
    sessions.push(c);
    await c.query('BEGIN');
    await leases.fence(new PgRunner(c), partitions);
    return c;
  };
  const disjoint = (nodes: WorkLeases[]) => {
    const all = nodes.flatMap((n) => [...n.partitions.keys()]);
    return new Set(all).size === all.length;
  };

  it('gives a lone node every partition, and balances them as nodes join, each partition held once', async () => {
    const a = node('a');
    const first = await a.beat();
    expect(first.gained.size).toBe(64);
    expect(a.count).toBe(64);
    const b = node('b');
    const c = node('c');
    await settle([a, b, c]);
    expect([a, b, c].map((n) => n.partitions.size)).toEqual([22, 21, 21]);
    expect(disjoint([a, b, c])).toBe(true);
    const rows = await owners();
    expect(rows.every((r) => [a, b, c].some((n) => n.partitions.has(r.partition) && r.node !== null))).toBe(true);
  });

  it('never gives one partition to two nodes claiming at once', async () => {
    const nodes = ['a', 'b', 'c', 'd'].map(node);
    await Promise.all(nodes.map((n) => n.beat()));
    expect(disjoint(nodes)).toBe(true);
    await Promise.all(nodes.map((n) => settle([n])));
    expect(disjoint(nodes)).toBe(true);
    // Beating at once, a node may give back partitions after the others' last claims: twice more in turn
    // (the first gives back whatever is beyond each share, the second fills every share).
    await settle(nodes, 2);
    expect(disjoint(nodes)).toBe(true);
    expect(nodes.map((n) => n.partitions.size)).toEqual([16, 16, 16, 16]);
  });

  it("has a dead node's partitions taken by the others at their next beats, with new epochs", async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(node);
    await settle([a, b, c]);
    const hers = new Map(c.partitions);
    await die('c');
    await settle([a, b], 2);
    expect(a.partitions.size + b.partitions.size).toBe(64);
    for (const [p, epoch] of hers) expect((a.partitions.get(p) ?? b.partitions.get(p))!).toBe(epoch + 1);
    // The dead node comes back (it was only paused): its first beat finds them gone.
    const back = await c.beat();
    expect(back.lost.sort((x, y) => x - y)).toEqual([...hers.keys()].sort((x, y) => x - y));
  });

  it('fences off a node whose partition was taken: its write transaction is refused before it writes', async () => {
    const [a, b] = ['a', 'b'].map(node);
    await a.beat();
    const p = [...a.partitions.keys()][0];
    await die('a');
    await settle([b], 1);
    expect(b.partitions.has(p)).toBe(true);
    // a has not beaten since (paused): it still believes it holds p, and tries to write.
    expect(a.partitions.has(p)).toBe(true);
    const c = await store.db.pool.connect();
    try {
      await c.query('BEGIN');
      await expect(a.fence(new PgRunner(c), [p])).rejects.toThrow(PartitionLost);
      await expect(a.fence(new PgRunner(c), [p])).rejects.toThrow(/taken from a by another node/);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
    await expect(b.fence(new PgRunner(await writing(b, [p])), [p])).resolves.toBeUndefined();
  });

  it('does not let a partition be taken while its holder is writing it, even past its lease', async () => {
    const [a, b] = ['a', 'b'].map(node);
    await a.beat();
    const p = [...a.partitions.keys()].slice(0, 3);
    await die('a'); // its leases have run out, but nobody took them yet: a may still write
    const tx = await writing(a, p); // and is in the middle of a transaction on p
    await settle([b], 1);
    expect(p.some((x) => b.partitions.has(x))).toBe(false);
    expect(b.partitions.size).toBe(61);
    await tx.query('COMMIT');
    await settle([b], 1);
    expect(p.every((x) => b.partitions.has(x))).toBe(true);
  });

  it("renews and gives back while its own writes hold the rows: a beat never waits on them, never deadlocks", async () => {
    const a = node('a');
    await a.beat();
    const mine = [...a.partitions.keys()];
    const tx = await writing(a, [mine[5], mine[60]]); // an open write on two partitions
    const b = node('b');
    await b.beat(); // a second node: a's next beat gives back half
    const change = await a.beat();
    expect(change.lost.length).toBe(32);
    expect(a.partitions.size).toBe(32);
    // What a gave back and is still writing is not claimed by b until that write ends.
    const given = [mine[5], mine[60]].filter((p) => !a.partitions.has(p));
    expect(given.length).toBeGreaterThan(0);
    await b.beat();
    expect(given.some((p) => b.partitions.has(p))).toBe(false);
    await tx.query('COMMIT');
    await b.beat();
    expect(given.every((p) => b.partitions.has(p))).toBe(true);
  });

  it('takes back the partitions in its name that it does not know it holds (a lost COMMIT answer), with new epochs that fence the old ones', async () => {
    const a = node('a');
    await a.beat();
    const before = new Map(a.partitions);
    const inFlight = await writing(a, [7]); // the old process is writing partition 7
    // The same node with no memory of its last beat: as if that beat's COMMIT answer was lost.
    const again = node('a');
    const change = await again.beat();
    expect(change.gained.size).toBe(63); // not 7 while a write holds it
    expect(change.lost).toEqual([]);
    for (const [p, epoch] of again.partitions) expect(epoch).toBe(before.get(p)! + 1);
    await inFlight.query('COMMIT');
    expect([...(await again.beat()).gained.keys()]).toEqual([7]);
    // Whoever still writes under the old epochs (a process of the same name) is fenced off.
    await expect(a.fence(new PgRunner(await writing(again, [7])), [7])).rejects.toThrow(/taken from a/);
    // And a beat after, nothing more is taken back: the rows are known.
    expect((await again.beat()).gained.size).toBe(0);
  });

  it('gives up a beat the database does not answer within a beat, and beats again once it does', async () => {
    const a = new WorkLeases(store.db.pool, { node: 'a', leaseS: 1 }); // beats every 200 ms
    await a.beat();
    const blocker = await store.db.pool.connect();
    sessions.push(blocker);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE work_leases IN ACCESS EXCLUSIVE MODE'); // the beat waits on it
    await expect(a.beat()).rejects.toThrow(/lock timeout|no answer from the database in \d+ ms/); // the server's limit or ours
    await blocker.query('ROLLBACK');
    const change = await a.beat();
    expect(a.partitions.size).toBe(64);
    expect(change.lost).toEqual([]);
  });

  it('gives everything back on a graceful stop, for the others to take at once', async () => {
    const [a, b] = ['a', 'b'].map(node);
    await settle([a, b]);
    await a.release();
    expect(a.partitions.size).toBe(0);
    await b.beat();
    expect(b.partitions.size).toBe(64);
    await expect(a.fence(new PgRunner(await writing(b, [0])), [0])).rejects.toThrow(/not held by a/);
  });
});
