import { VirtualClock } from '@lifeline/clock';
import { SILENT_LOG } from '@lifeline/domain';
import type { EventStore, StoredEvent } from '@lifeline/store';
import { EventTail } from './event-tail';

/** An events table in memory, as the active node fills it; `down` makes reads fail like a cut database. */
function table() {
  const rows: StoredEvent[] = [];
  const state = { down: false, reads: 0 };
  const events = {
    maxSeq: async () => rows.length,
    since: async (seq: number, limit: number) => {
      state.reads++;
      if (state.down) throw new Error('connection terminated');
      return rows.filter((r) => r.seq > seq).slice(0, limit);
    },
  } as unknown as EventStore;
  const commit = (n: number) => {
    for (let i = 0; i < n; i++) rows.push({ seq: rows.length + 1, type: 'receipt', at: 0, orderId: 'o', areaPath: '/1/', payload: { type: 'receipt', n: rows.length + 1 } });
  };
  return { events, commit, state };
}

describe('a follower tailing the events table', () => {
  it('passes on what is committed after it started, in seq order, once each, when woken', async () => {
    const clock = new VirtualClock();
    const t = table();
    t.commit(3); // before the follower started: read with `subscribe since`, not live
    const tail = await EventTail.start(t.events, clock, 1000, SILENT_LOG);
    const seen: number[] = [];
    tail.events$.subscribe((e) => seen.push(e.frame.seq));
    t.commit(2500);
    await Promise.all([tail.wake(), tail.wake(), tail.wake()]); // wake-ups during a read coalesce into one more read
    expect(seen).toEqual(Array.from({ length: 2500 }, (_, i) => i + 4));
    await tail.stop();
  });

  it('finds by polling what no wake-up announced (the bus dropped it)', async () => {
    const clock = new VirtualClock();
    const t = table();
    const tail = await EventTail.start(t.events, clock, 1000, SILENT_LOG);
    const seen: number[] = [];
    tail.events$.subscribe((e) => seen.push(e.frame.seq));
    t.commit(2);
    await clock.advance(999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual([1, 2]);
    await tail.stop();
  });

  it('says why while the database is out of reach, and goes on from the same seq when it is back', async () => {
    const clock = new VirtualClock();
    const t = table();
    const tail = await EventTail.start(t.events, clock, 1000, SILENT_LOG);
    const seen: number[] = [];
    tail.events$.subscribe((e) => seen.push(e.frame.seq));
    t.commit(1);
    await tail.wake();
    t.state.down = true;
    t.commit(2);
    await tail.wake();
    expect(tail.failure).toEqual({ reason: 'connection terminated' });
    t.state.down = false;
    await clock.advance(1000);
    expect(tail.failure).toBeNull();
    expect(seen).toEqual([1, 2, 3]);
    await tail.stop();
  });
});
