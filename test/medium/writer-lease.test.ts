import { VirtualClock } from '@lifeline/clock';
import { endHolder, openStore, PostgresStore, type ActiveWriter, type LeaseOptions, type Storage } from '@lifeline/store';
import { waitFor } from '../support/child';
import { describeOnPostgres, querySql, runSql, testDatabase } from '../support/test-store';

/**
 * Nodes over one PostgreSQL database: one writes (the writer lease), the others wait as
 * standbys. Real time runs here: the lease is the database server's clock against the nodes'.
 */
describeOnPostgres('the writer lease', () => {
  let db: ReturnType<typeof testDatabase>;
  const open: Storage[] = [];
  const node = (lease: Partial<LeaseOptions>, lanes = 1) => {
    const store = openStore(db.database, { schema: db.schema, lease, lanes });
    void store.then((s) => open.push(s), () => undefined);
    return store;
  };
  const lease = async (s: Storage) => (await querySql<{ epoch: number; node: string }>(s, 'SELECT epoch, node FROM writer_lease'))[0];

  beforeEach(() => {
    db = testDatabase();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
    await db.drop();
  });

  it('keeps a standby waiting while a node writes, and hands it over, rows and all, when that node stops', async () => {
    const a = await node({ node: 'a' });
    await a.write((tx) => tx.meta.set('written-by', 'a'));
    const seen: (ActiveWriter | null)[] = [];
    let tookOver = false;
    // The same lease as a's (its beats every 2.5 s sit well inside it): a loaded machine's delays cannot fence a.
    const b = node({ node: 'b', standby: true, leaseS: 10, whileWaiting: (x) => seen.push(x) });
    void b.then(() => (tookOver = true));
    await waitFor(async () => seen.length >= 3, 'the standby to look at the lease a few times');
    expect(tookOver).toBe(false);
    expect(seen.every((x) => x?.node === 'a' && !x.fenced)).toBe(true); // a heartbeats: never fenced
    await a.close();
    const s = await b;
    expect(await s.read.meta.get('written-by')).toBe('a');
    await s.write((tx) => tx.meta.set('written-by', 'b'));
    expect(await lease(s)).toEqual({ epoch: 2, node: 'b' });
  });

  it('fences off a writer gone silent, which then stops rather than write from a stale memory', async () => {
    // A node whose heartbeats never come: its clock never runs (a hung process looks the same).
    const a = await node({ node: 'a', leaseS: 1, clock: new VirtualClock(0) });
    const seen: (ActiveWriter | null)[] = [];
    const b = await node({ node: 'b', standby: true, leaseS: 1, whileWaiting: (x) => seen.push(x) });
    expect(seen.some((x) => x?.node === 'a' && x.fenced)).toBe(true);
    expect(await lease(b)).toEqual({ epoch: 2, node: 'b' });
    await expect(a.write((tx) => tx.meta.set('written-by', 'a'))).rejects.toThrow();
    await expect(a.write((tx) => tx.meta.set('written-by', 'a'))).rejects.toThrow(/another node/);
    expect(await a.lost).toMatch(/another node/);
    await b.write((tx) => tx.meta.set('written-by', 'b'));
    expect(await b.read.meta.get('written-by')).toBe('b');
  });

  it('does not let a writer whose session was cut take the lock back after another node wrote', async () => {
    const a = await node({ node: 'a' });
    const b = node({ node: 'b', standby: true });
    // a's session ends (a network blip): b takes over at once, writes, and stops.
    await runSql(a, 'SELECT pg_terminate_backend(backend_pid) FROM writer_lease');
    const s = await b;
    await s.write((tx) => tx.meta.set('written-by', 'b'));
    await s.close();
    // The lock is free again, but a's memory is from before b's writes: a refuses to go on.
    await expect(a.write((tx) => tx.meta.set('written-by', 'a'))).rejects.toThrow();
    expect(await a.lost).toMatch(/another node/);
    expect(await a.read.meta.get('written-by')).toBe('b');
  });

  it('fences only the writer it found silent: not one that took over, or beat, since', async () => {
    const a = await node({ node: 'a', leaseS: 1, clock: new VirtualClock(0) }); // silent from the start
    const b = await node({ node: 'b', standby: true, leaseS: 1 });
    expect(await lease(b)).toEqual({ epoch: 2, node: 'b' });
    const pool = (b as PostgresStore).db.pool;
    // A second standby that read epoch 1 as silent before b took over acts on what it read: nothing.
    expect(await endHolder(pool, 1, 1)).toBe(false);
    expect(await endHolder(pool, 2, 3)).toBe(false); // b beats (every 250 ms): not silent for 3 s, even on a loaded machine
    await b.write((tx) => tx.meta.set('written-by', 'b'));
    expect(await b.read.meta.get('written-by')).toBe('b');
    void a;
  });

  it('steps a node of a cluster down when it cannot reach the database for a whole lease; a lone router waits on', async () => {
    const hold = async (s: Storage) => {
      // Another session holds the lease row: every heartbeat waits on it, as on a dead socket.
      const c = await (s as PostgresStore).db.pool.connect();
      await c.query('BEGIN');
      await c.query('SELECT * FROM writer_lease FOR UPDATE');
      return () => c.query('ROLLBACK').finally(() => c.release());
    };
    const member = await node({ node: 'a', standby: true, leaseS: 1 });
    const release = await hold(member);
    expect(await member.lost).toMatch(/has not been reached for \d+ s, past the 1 s lease/);
    await release();
    await member.close();
    open.splice(open.indexOf(member), 1);

    const lone = await node({ node: 'lone', leaseS: 1 });
    const releaseLone = await hold(lone);
    const outcome = await Promise.race([lone.lost.then(() => 'lost'), new Promise((r) => setTimeout(r, 3_000, 'waited on'))]);
    expect(outcome).toBe('waited on');
    await releaseLone();
  });

  /** Sessions of this test's schema in a state (`idle in transaction`), or waiting on a lock. */
  const sessions = async (s: Storage, where: string) =>
    (await querySql<{ n: number }>(s, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND ${where}`, `lifeline:${db.schema}`))[0].n;

  it('lets a lane transaction in flight when a writer is taken over commit before the new writer claims; none begins after', async () => {
    // a's heartbeats never come (its clock never runs); its lanes' sessions outlive its fencing.
    const a = await node({ node: 'a', leaseS: 30, clock: new VirtualClock(0) }, 2);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inFlight = a.writeIn(1, async (tx) => {
      await tx.meta.set('lane', 'a');
      await held; // a node slow in the middle of a lane's job
    });
    await waitFor(async () => (await sessions(a, "state = 'idle in transaction'")) === 1, "the lane's transaction to be open");
    let claimed = false;
    const b = node({ node: 'b', standby: true, leaseS: 1 });
    void b.then(() => (claimed = true));
    // b ends a's main session and takes the lock, then waits on the lease row the lane holds.
    await waitFor(async () => (await sessions(a, "wait_event_type = 'Lock'")) === 1, 'the claim to wait for the lane');
    expect(claimed).toBe(false);
    release();
    await inFlight; // committed under epoch 1, before b's epoch began
    const s = await b;
    expect(await lease(s)).toEqual({ epoch: 2, node: 'b' });
    expect(await s.read.meta.get('lane')).toBe('a');
    await expect(a.writeIn(0, (tx) => tx.meta.set('lane', 'a again'))).rejects.toThrow(/another node took the writer lease/);
    expect(await a.lost).toMatch(/another node/);
    expect(await sessions(a, "state = 'idle in transaction'")).toBe(0); // the refused transaction was ended, not left open
    await expect(a.writeIn(0, (tx) => tx.meta.set('lane', 'a again'))).rejects.toThrow(/no longer holds the writer lease/);
    expect(await s.read.meta.get('lane')).toBe('a');
  });

  it('has the server end a lane left hanging mid-transaction after a lease, so that a takeover never waits for it', async () => {
    const a = await node({ node: 'a', leaseS: 1, clock: new VirtualClock(0) }, 2);
    let wake!: () => void;
    const hung = a.writeIn(0, async (tx) => {
      await tx.meta.set('lane', 'a');
      await new Promise<void>((r) => (wake = r)); // a process hung until the takeover is over
    });
    const b = await node({ node: 'b', standby: true, leaseS: 1 });
    expect(await lease(b)).toEqual({ epoch: 2, node: 'b' });
    expect(await b.read.meta.get('lane')).toBeUndefined(); // the hung transaction was rolled back
    wake(); // and when it wakes, its commit fails
    await expect(hung).rejects.toThrow();
    expect(await b.read.meta.get('lane')).toBeUndefined();
  });
});
