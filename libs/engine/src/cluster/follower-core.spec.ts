import { VirtualClock } from '@lifeline/clock';
import type { Storage } from '@lifeline/store';
import type { EngineConfig } from '../config';
import { FollowerCore } from './follower-core';

/** A database as a follower reads it: no events, no situation, and a directory hash that a new active node may change. */
function database() {
  const meta = new Map<string, string>([['directory_sha256', 'first']]);
  const read = {
    events: { maxSeq: async () => 0, since: async () => [] },
    meta: { get: async (k: string) => meta.get(k) },
    channelStates: { all: async () => [] },
    outages: { all: async () => [] },
    missions: { all: async () => [] },
  };
  return { store: { read } as unknown as Storage, meta };
}

describe('a follower built on one directory', () => {
  it('stays healthy while the directory is the one it serves, and says so on /health once it has served a stale one too long', async () => {
    const clock = new VirtualClock();
    const db = database();
    const leader = { failure: null, accept: jest.fn(), cancel: jest.fn() };
    const core = await FollowerCore.create({
      store: db.store, clock, areas: [], directory: 'first', leader, pollMs: 1_000,
      config: { channels: { ids: [] } } as unknown as EngineConfig,
    });
    let changed = false;
    void core.directoryChanged.then(() => (changed = true));
    await clock.advance(5_000);
    expect([changed, core.failure]).toEqual([false, null]);

    db.meta.set('directory_sha256', 'second'); // a new active node loaded another directory file
    await clock.advance(1_000);
    expect(changed).toBe(true); // the node rebuilds; while that succeeds within the grace, nothing is wrong
    await clock.advance(28_000);
    expect(core.failure).toBeNull();
    await clock.advance(2_000); // the rebuild kept failing: the node says so instead of "ok"
    expect(core.failure?.reason).toMatch(/loaded another 3\d s ago and this node has not built on it yet/);
    await core.stop();
  });
});

describe('a follower that cannot be built', () => {
  it('stops tailing the events table when the areas in the database make no tree, so retries leak no poller', async () => {
    const clock = new VirtualClock();
    const db = database();
    let reads = 0;
    (db.store.read.events as unknown as { since: () => Promise<never[]> }).since = async () => (reads++, []);
    const build = FollowerCore.create({
      store: db.store, clock, directory: 'first', pollMs: 1_000,
      areas: [{ code: '330102', name: '上城区', parent: '330100' }], // its parent is not there
      leader: { failure: null, accept: jest.fn(), cancel: jest.fn() },
      config: { channels: { ids: [] } } as unknown as EngineConfig,
    });
    await expect(build).rejects.toThrow(/parent/);
    const before = reads;
    await clock.advance(10_000);
    expect(reads).toBe(before);
  });
});
