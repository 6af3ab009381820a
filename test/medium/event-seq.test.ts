import { Client } from 'pg';
import { PostgresStore } from '@lifeline/store';
import { waitFor } from '../support/child';
import { describeOnPostgres, testDatabase } from '../support/test-store';

/**
 * Event seqs taken from the `event_seq` row: two writers (two sessions, as two nodes would be)
 * append at once, and the seqs stay gapless and in commit order; a rollback gives its numbers
 * back. The ground for several writers (docs/WORK-SHARING.md); one writer is all there is today.
 */
describeOnPostgres('event seqs with two writers', () => {
  let db: ReturnType<typeof testDatabase>;
  let store: PostgresStore;
  const sessions: Client[] = [];
  beforeEach(async () => {
    db = testDatabase();
    store = await PostgresStore.open({ url: db.database, schema: db.schema });
    await store.write((tx) => tx.events.append('order.accepted', 1, null, null, { first: true }));
  });
  afterEach(async () => {
    for (const c of sessions.splice(0)) await c.end();
    await store.close();
    await db.drop();
  });

  /** A second writer: a session of its own on the same schema, taking seqs as the store does. */
  const session = async () => {
    const c = new Client({ connectionString: db.database });
    await c.connect();
    await c.query(`SET search_path TO ${db.schema}`);
    sessions.push(c);
    return c;
  };
  const take = async (c: Client, n: number) =>
    Number((await c.query<{ before: string }>('UPDATE event_seq SET last = last + $1 WHERE id = 1 RETURNING last - $1 AS before', [n])).rows[0].before);
  const insert = (c: Client, seqs: number[]) =>
    c.query(`INSERT INTO events (seq, type, at, order_id, area_path, payload) SELECT s, 'test', 1, NULL, NULL, '{}' FROM unnest($1::bigint[]) s`, [seqs]);
  const stored = async () => (await store.read.events.since(0, 100)).map((e) => e.seq);

  it('numbers a second writer after the first commits: gapless, in commit order', async () => {
    const [a, b] = [await session(), await session()];
    await a.query('BEGIN');
    await b.query('BEGIN');
    const first = await take(a, 3);
    let bBefore: number | null = null;
    const bPid = Number((await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const bTakes = take(b, 2).then((n) => (bBefore = n));
    // It waits on the row while the first writer's transaction is open: the server says so.
    const waiting = async () => (await a.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [bPid])).rowCount === 1;
    await waitFor(waiting, 'the second writer to wait for the first');
    expect(bBefore).toBeNull();
    await insert(a, [first + 1, first + 2, first + 3]);
    await a.query('COMMIT');
    await bTakes;
    expect(bBefore).toBe(first + 3);
    await insert(b, [bBefore! + 1, bBefore! + 2]);
    await b.query('COMMIT');
    // And the store's own writer goes on after both.
    const last = await store.write((tx) => tx.events.append('order.accepted', 2, null, null, {}));
    expect(await stored()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(last).toBe(7);
  });

  it('gives a rolled-back writer its numbers back: no hole', async () => {
    const a = await session();
    await a.query('BEGIN');
    const before = await take(a, 5);
    await a.query('ROLLBACK');
    const next = await store.write((tx) => tx.events.append('order.accepted', 2, null, null, {}));
    expect(next).toBe(before + 1);
    expect(await stored()).toEqual([1, 2]);
  });
});
