import { AreaTree } from '@lifeline/domain';
import { LaneMoved, type GrantedLanes } from '@lifeline/store';
import type { EngineConfig } from '../config';
import { LaneWorker } from './lane-worker';

const grant = { lane: 1, lanes: 2, node: 'node-b', epoch: 3, key: 'a'.repeat(32), writerEpoch: 2 };
const message = { grant, now: 1_000, job: { kind: 'start', limit: 10 }, version: { incarnation: 'i-1', reach: 4, cancels: 1 } };

function worker(refuse: Error = new Error('no database here')) {
  const writes: unknown[] = [];
  const store: GrantedLanes = {
    writeGranted: async (g) => {
      writes.push(g);
      throw refuse;
    },
  };
  const config = { channels: new Map() } as unknown as EngineConfig;
  return { writes, w: new LaneWorker(store, config, new AreaTree([{ code: 'city', name: '市', parent: null }]), 'node-b') };
}

/** What a node carrying out lanes does with what comes over the bus, before any row is touched. */
describe('LaneWorker', () => {
  it('refuses a job it cannot read, naming the field, and touches nothing', async () => {
    const { w, writes } = worker();
    for (const bad of [null, 'x', { ...message, job: { kind: 'drop-tables' } }, { ...message, grant: { ...grant, key: 'short' } }, { ...message, grant: { ...grant, lane: 99 } }]) {
      const a = await w.run(bad);
      expect(a).toMatchObject({ ok: false, code: 'failed', message: expect.stringMatching(/^invalid lane job/) });
    }
    expect((await w.run({ ...message, job: { kind: 'items', items: [{ deliveryId: 'o:p', event: { type: 'REPLY', at: 1 } }] } })) as { message: string }).toMatchObject({ message: expect.stringMatching(/job\.items\.0\.event/) });
    expect(writes).toEqual([]);
  });

  it('takes a context only under a grant the database accepted: a forged job changes nothing', async () => {
    const { w } = worker(new LaneMoved('lane 1 is no longer this node\'s'));
    const forged = { ...message, context: { reach: { coverage: [], states: [], fixedOnly: [] }, from: 0, cancelled: ['o-1'] } };
    expect(await w.run(forged)).toMatchObject({ ok: false, code: 'moved' });
    expect(await w.run(message)).toMatchObject({ ok: false, code: 'context' }); // it holds nothing of it
  });

  it('answers a probe: it carries out lanes', async () => {
    expect(await worker().w.run({ probe: true })).toMatchObject({ ok: false, code: 'ready' });
  });

  it('refuses a grant of another node, and a job whose context it does not hold (it asks for it)', async () => {
    const { w, writes } = worker();
    expect(await w.run({ ...message, grant: { ...grant, node: 'node-c' } })).toMatchObject({ ok: false, code: 'moved' });
    expect(await w.run(message)).toMatchObject({ ok: false, code: 'context' });
    // Cancels from a later point than it holds, or a reach it lacks, are not enough either.
    expect(await w.run({ ...message, context: { reach: { coverage: [], states: [], fixedOnly: [] }, from: 1, cancelled: [] } })).toMatchObject({ code: 'context' });
    expect(await w.run({ ...message, context: { from: 0, cancelled: ['o-1'] } })).toMatchObject({ code: 'context' });
    expect(writes).toEqual([]);
    // With the context, it writes under the grant (here the database fails: said so, not thrown).
    const withContext = { ...message, context: { reach: { coverage: [], states: [], fixedOnly: [] }, from: 0, cancelled: ['o-1'] } };
    expect(await w.run(withContext)).toMatchObject({ ok: false, code: 'failed', message: 'no database here' });
    expect(writes).toEqual([grant]);
    expect(w.stats).toEqual({ jobs: 0, refused: 5 });
  });
});
