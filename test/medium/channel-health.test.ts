import { VirtualClock } from '@lifeline/clock';
import { AreaTree, Reach, SILENT_LOG, type Area } from '@lifeline/domain';
import { ChannelHealth, EventBus, Tasks, type ChannelChange } from '@lifeline/engine';
import type { Storage } from '@lifeline/store';
import { openTestStore } from '../support/test-store';
import { engineConfig, loadConfig } from '../../apps/router/src/config/load-config';

/**
 * Channel health on its own (medium tier, a real store): the states it publishes, the
 * ones it restores after a restart, and the circuit breaker fed by attempts.
 */
const areas: Area[] = [
  { code: 'city', name: '城', parent: null },
  { code: 'county', name: '县', parent: 'city' },
  { code: 'town', name: '镇', parent: 'county' },
  { code: 'village', name: '村', parent: 'town' },
];

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function setup(store?: Storage) {
  const clock = new VirtualClock();
  if (!store) {
    const opened = await openTestStore();
    closing.push(opened.close);
    store = opened.store;
  }
  const tree = new AreaTree(areas);
  const reach = new Reach(tree);
  const tasks = new Tasks(SILENT_LOG);
  const health = new ChannelHealth(store, clock, reach, tree, engineConfig(loadConfig('config/default.yaml')).channels, new EventBus(), tasks);
  // Time moves on only once the writes it caused have finished (on PostgreSQL they take a round trip).
  const advance = (ms: number) => clock.advance(ms, () => tasks.all().then(() => undefined));
  const changes: ChannelChange[] = [];
  health.changes$.subscribe((c) => changes.push(c));
  await health.load();
  const published = async () => (await store!.read.events.since(0, 1_000)).filter((e) => e.type === 'channel').map((e) => `${e.payload.channel} ${e.payload.area} ${e.payload.state}`);
  return { clock, advance, store, reach, health, changes, published };
}

describe('channel health', () => {
  it('publishes a change once, persists it, and says nothing when nothing changed', async () => {
    const { reach, health, published, store } = await setup();
    reach.setCoverage('pdt', 'radio', ['city']);
    await health.recheck('pdt', ['city']);
    await health.recheck('pdt', ['city']);
    expect(await published()).toEqual(['pdt city up']);
    reach.report('pdt', 'county', 'drill', 'down');
    await health.recheck('pdt', ['county']);
    expect(await published()).toEqual(['pdt city up', 'pdt county down']);
    expect((await store.read.channelStates.all()).map((r) => `${r.channel} ${r.area} ${r.state}`).sort()).toEqual(['pdt city up', 'pdt county down']);
  });

  it('restores what it last published: a state seen again is quiet, and none worsens before the gateways had their grace', async () => {
    const first = await setup();
    first.reach.setCoverage('public', 'sms', ['city']);
    first.reach.setCoverage('pdt', 'radio', ['city']);
    await first.health.recheck('public', ['city']);
    await first.health.recheck('pdt', ['city']);
    const before = (await first.published()).length;
    // The router restarts on the same store: the SMS gateway is back at once, the radio gateway not yet.
    const again = await setup(first.store);
    again.reach.setCoverage('public', 'sms', ['city']);
    await again.health.recheck('public', ['city']);
    await again.health.recheck('pdt', []);
    expect(await again.published()).toHaveLength(before);
    expect(again.health.list().find((c) => c.channel === 'pdt')!.state).toBe('up');
    await again.health.reviewAll(); // the grace is over: a channel nobody serves is down
    expect((await again.published()).slice(before)).toEqual(expect.arrayContaining(['pdt city down']));
    expect((await again.published()).slice(before)).not.toContain('public city up');
  });

  it('trips its breaker in an area after repeated failures there, and probes after the back-off', async () => {
    const { clock, advance, reach, health, published } = await setup();
    reach.setCoverage('pdt', 'radio', ['city']);
    await health.recheck('pdt', ['city']);
    for (let i = 0; i < 5; i++) health.failure('pdt', 'village'); // the breaker is per town for pdt
    await advance(0);
    expect(await published()).toContain('pdt town down');
    expect(reach.state('pdt', 'village', clock.now())).toBe('down');
    expect(reach.state('pdt', 'county', clock.now())).toBe('up');
    await advance(30_000); // the back-off: a probe may go
    health.success('pdt', 'village');
    await advance(0);
    expect(reach.state('pdt', 'village', clock.now())).toBe('up');
  });

  it('publishes a change it could not record once storage takes writes again', async () => {
    const { advance, reach, health, published, store } = await setup();
    const write = store.write.bind(store);
    let failing = true;
    store.write = ((job, urgent) => (failing ? Promise.reject(new Error('SQLITE_READONLY')) : write(job, urgent))) as typeof store.write;
    reach.setCoverage('pdt', 'radio', ['city']);
    await expect(health.recheck('pdt', ['city'])).rejects.toThrow('SQLITE_READONLY');
    expect(health.list()).toEqual([]); // not recorded, so not known
    failing = false;
    await advance(5_000);
    expect(await published()).toEqual(['pdt city up']);
  });
});
