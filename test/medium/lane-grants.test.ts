import { LaneMoved, openStore, PostgresReader, type LaneGrant, type Storage } from '@lifeline/store';
import { waitFor } from '../support/child';
import { describeOnPostgres, querySql, testDatabase } from '../support/test-store';

/**
 * Lanes of the active node's delivery work carried out by another node (`lane_holders`): a write
 * under a grant commits only while the grant is the lane's, and a new grant waits for the write in
 * flight under the old one. Without both, a lane taken back from a node that did not answer could
 * be written by two nodes at once, each from what it read before the other's commit.
 */
/** Sessions of this database waiting for an advisory lock. */
const WAITING = "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

describeOnPostgres('grants of lanes to other nodes', () => {
  let db: ReturnType<typeof testDatabase>;
  let active: Storage;
  let other: PostgresReader;
  const note = (g: LaneGrant, value: string) => other.granted.writeGranted(g, (tx) => tx.meta.set(`lane-${g.lane}`, value));

  beforeEach(async () => {
    db = testDatabase();
    active = await openStore(db.database, { schema: db.schema, lease: { node: 'a' }, lanes: 2 });
    other = await PostgresReader.open({ url: db.database, schema: db.schema, lease: { leaseS: 10 } });
  });
  afterEach(async () => {
    await other.close();
    await active.close();
    await db.drop();
  });

  it('lets a node write a lane only under the grant in force: one given since voids it', async () => {
    const toB = await active.grants!.grant(1, 'b');
    await note(toB, 'b wrote');
    expect(await active.read.meta.get('lane-1')).toBe('b wrote');
    const back = await active.grants!.grant(1, 'a');
    expect(back.epoch).toBe(toB.epoch + 1);
    await expect(note(toB, 'b again')).rejects.toBeInstanceOf(LaneMoved);
    // Another lane's grant is no grant for this one; a made-up key is none either.
    const lane0 = await active.grants!.grant(0, 'b');
    await expect(note({ ...lane0, lane: 1 }, 'wrong lane')).rejects.toBeInstanceOf(LaneMoved);
    // Nor is a grant of the same lane over another division of the partitions.
    await expect(note({ ...(await active.grants!.grant(1, 'b')), lanes: 4 }, 'other partitions')).rejects.toBeInstanceOf(LaneMoved);
    await expect(note({ ...(await active.grants!.grant(1, 'b')), key: '0'.repeat(32) }, 'forged')).rejects.toBeInstanceOf(LaneMoved);
    expect(await active.read.meta.get('lane-1')).toBe('b wrote');
  });

  it('makes a new grant wait for the write in flight under the old one, which then commits; after it, none does', async () => {
    const toB = await active.grants!.grant(1, 'b');
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const slow = other.granted.writeGranted(toB, async (tx) => {
      entered();
      await gate;
      await tx.meta.set('lane-1', 'slow write');
    });
    await inside;
    let granted = false;
    const back = active.grants!.grant(1, 'a').then((g) => ((granted = true), g));
    // The grant waits on the lane's lock, which the write in flight holds.
    await waitFor(async () => (await querySql<{ n: number }>(active, WAITING))[0].n > 0, 'the grant to wait');
    expect(granted).toBe(false);
    open();
    await slow;
    await back;
    expect(await active.read.meta.get('lane-1')).toBe('slow write');
    await expect(note(toB, 'late')).rejects.toBeInstanceOf(LaneMoved);
  });

  it("makes a grant wait for the active node's own transaction in flight on that lane", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const local = active.writeIn(1, async (tx) => {
      entered();
      await gate;
      await tx.meta.set('lane-1', 'written here');
    });
    await inside;
    let granted = false;
    const away = active.grants!.grant(1, 'b').then((g) => ((granted = true), g));
    await waitFor(async () => (await querySql<{ n: number }>(active, WAITING))[0].n > 0, 'the grant to wait');
    expect(granted).toBe(false);
    open();
    await local;
    await note(await away, 'then written there');
    expect(await active.read.meta.get('lane-1')).toBe('then written there');
  });

  it('voids every grant of a node that lost the writer lease', async () => {
    const toB = await active.grants!.grant(1, 'b');
    await active.close();
    active = await openStore(db.database, { schema: db.schema, lease: { node: 'c' }, lanes: 2 });
    await expect(note(toB, 'under the old writer')).rejects.toBeInstanceOf(LaneMoved);
    expect(await active.read.meta.get('lane-1')).toBeUndefined();
  });
});
