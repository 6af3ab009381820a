import { VirtualClock } from '@lifeline/clock';
import { AreaTree, deliveryPartition, laneOf, Reach, SILENT_LOG, type Area, type Person } from '@lifeline/domain';
import { ALL_HERE, DeliveryEngine, DeliveryStepper, EventBus, OrderCache, Tasks, type EngineItem, type EngineOutput } from '@lifeline/engine';
import { describeOnPostgres, openTestStore } from '../support/test-store';
import { engineConfig, loadConfig } from '../../apps/router/src/config/load-config';

/**
 * The delivery engine on its own (medium tier: a real SQLite store, no app around it): what one
 * write job writes, what leaves after its commit, and two jobs sharing a transaction.
 */
const areas: Area[] = [
  { code: 'city', name: '城', parent: null },
  { code: 'village', name: '村', parent: 'city' },
];
const people: Person[] = [
  { id: 'p-1', name: '甲', area: 'village', roles: [], terminals: { public: '13800000001', pdt: '3301001' } },
  { id: 'p-2', name: '乙', area: 'village', roles: [], terminals: { pdt: '3301002' } },
];

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function setup(o: { ackRequired?: boolean; failWrites?: () => boolean } = {}) {
  const clock = new VirtualClock();
  const { store, close } = await openTestStore();
  closing.push(close);
  if (o.failWrites) {
    // A disk that refuses commits for a while: the job fails as a whole, as SQLite's would.
    const write = store.write.bind(store);
    const writeIn = store.writeIn.bind(store);
    const full = () => Promise.reject(new Error('SQLITE_FULL: database or disk is full'));
    store.write = ((job, urgent) => (o.failWrites!() ? full() : write(job, urgent))) as typeof store.write;
    store.writeIn = ((lane, job, urgent) => (o.failWrites!() ? full() : writeIn(lane, job, urgent))) as typeof store.writeIn;
  }
  await store.write((s) => s.directory.replace(areas, people));
  const tree = new AreaTree(areas);
  const reach = new Reach(tree);
  reach.setCoverage('public', 'sms', ['city']);
  reach.setCoverage('pdt', 'radio', ['city']);
  const bus = new EventBus();
  const config = engineConfig(loadConfig('config/default.yaml'));
  const orders = new OrderCache();
  const engine = new DeliveryEngine(store, clock, config, new DeliveryStepper(config, reach, orders), ALL_HERE, orders, bus, new Tasks(SILENT_LOG));
  const committed: EngineOutput[] = [];
  engine.committed$.subscribe((out) => committed.push(out));
  const now = clock.now();
  const spec = { priority: 'immediate' as const, to: { areas: ['village'] }, body: '转移', ackRequired: o.ackRequired ?? false, ackWithinS: 600, ttlS: 3600 };
  await store.write((s) =>
    s.orders.insert({ id: 'o-1', ref: 'A7K2', consoleId: 'c', clientRef: 'r', spec, priorityRank: 1, createdAt: now, expiresAt: now + 3_600_000, scopePath: '/city/village/' }, { areaPaths: ['/city/village/'], locatedIds: [], shapePaths: [] }, now),
  );
  /** One job of the engine, in the lane of the first item's delivery (one lane on SQLite). */
  const apply = (items: EngineItem[]) => engine.run(laneOf(deliveryPartition(items[0].deliveryId), engine.lanes.length), { kind: 'items', items });
  const start = (id: string) => apply([{ deliveryId: id, event: { type: 'START', at: clock.now() } }]);
  return { clock, store, engine, committed, apply, start, now };
}

describe('the delivery engine', () => {
  it('writes a step as rows in one job, and lets its send and receipt out only after the commit', async () => {
    const { store, engine, committed, start } = await setup();
    const job = start('o-1:p-1');
    expect(committed).toEqual([]); // nothing leaves before the commit
    await job;
    const d = (await store.read.deliveries.load(['o-1:p-1'])).get('o-1:p-1')!;
    expect(d).toMatchObject({ status: 'sending', channel: 'public', attempt: 1 });
    expect((await store.read.attempts.ofDelivery(d.id))).toEqual([expect.objectContaining({ id: 'o-1:p-1#1', channel: 'public', status: 'sending', address: '13800000001' })]);
    expect((await store.read.timers.due(Number.MAX_SAFE_INTEGER, 10)).map((t) => t.name)).toEqual(['ttl']);
    expect((await store.read.events.since(0, 10)).map((e) => e.payload.status)).toEqual(['sending']);
    expect(committed).toHaveLength(1);
    expect(committed[0].sends.map((s) => [s.attemptId, s.to, s.ref])).toEqual([['o-1:p-1#1', '13800000001', 'A7K2']]);
    expect(committed[0].events[0].frame.seq).toBe(1);
    expect(engine.stats).toMatchObject({ applied: 1, unknown: 0 });
  });

  it('takes the channel the person holds a terminal for, and ignores ids it does not know', async () => {
    const { store, engine, start, apply } = await setup();
    await start('o-1:p-2');
    await apply([{ deliveryId: 'o-1:nobody', event: { type: 'CANCEL', at: 0 } }]);
    expect((await store.read.deliveries.load(['o-1:p-2'])).get('o-1:p-2')).toMatchObject({ status: 'sending', channel: 'pdt' });
    expect(engine.stats.unknown).toBe(1);
  });

  it('keeps only the net rows of accepted and delivered in one job: the attempt delivered, no timer but the ttl', async () => {
    const { clock, store, start, apply } = await setup({ ackRequired: false });
    await start('o-1:p-1');
    await apply([
      { deliveryId: 'o-1:p-1', event: { type: 'ACCEPTED', at: clock.now(), attempt: 1, deliveryTimeoutMs: 60_000 } },
      { deliveryId: 'o-1:p-1', event: { type: 'DELIVERED', at: clock.now(), attempt: 1 } },
    ]);
    expect((await store.read.deliveries.load(['o-1:p-1'])).get('o-1:p-1')!.status).toBe('delivered');
    expect((await store.read.attempts.ofDelivery('o-1:p-1')).map((a) => a.status)).toEqual(['delivered']);
    expect((await store.read.timers.due(Number.MAX_SAFE_INTEGER, 10))).toEqual([]); // final: every timer cancelled
    expect((await store.read.events.since(0, 10)).map((e) => e.payload.status)).toEqual(['sending', 'sent', 'delivered']);
    expect((await store.read.orders.get('o-1'))!.open_count).toBe(1); // one of two deliveries closed
  });

  it('lets the second of two jobs in one transaction see what the first wrote: one final receipt', async () => {
    const { clock, store, start, apply } = await setup({ ackRequired: false });
    await start('o-1:p-1');
    await apply([{ deliveryId: 'o-1:p-1', event: { type: 'ACCEPTED', at: clock.now(), attempt: 1, deliveryTimeoutMs: 60_000 } }]);
    // Queued in the same turn, the two jobs commit together; the second must not use the cached row.
    const first = apply([{ deliveryId: 'o-1:p-1', event: { type: 'DELIVERED', at: clock.now(), attempt: 1 } }]);
    const second = apply([{ deliveryId: 'o-1:p-1', event: { type: 'CANCEL', at: clock.now() } }]);
    await Promise.all([first, second]);
    expect((await store.read.events.since(0, 10)).map((e) => e.payload.status)).toEqual(['sending', 'sent', 'delivered']);
  });

  it('keeps events whose commit failed and applies them once the store takes writes again; drained() waits for that commit', async () => {
    let failing = false;
    const { clock, store, engine, start } = await setup({ failWrites: () => failing });
    await start('o-1:p-1');
    failing = true;
    engine.submit([{ deliveryId: 'o-1:p-1', event: { type: 'ACCEPTED', at: clock.now(), attempt: 1, deliveryTimeoutMs: 60_000 } }]);
    engine.submit([{ deliveryId: 'o-1:p-1', event: { type: 'DELIVERED', at: clock.now(), attempt: 1 } }]);
    let committed = false;
    void engine.drained().then(() => (committed = true)); // what a cancel waits on before it answers
    await engine.idle(); // the first try failed: nothing applied, a retry waits
    expect((await store.read.deliveries.load(['o-1:p-1'])).get('o-1:p-1')!.status).toBe('sending');
    await clock.advance(1_000); // still failing: the back-off doubles
    await engine.idle();
    failing = false;
    await clock.advance(1_000);
    await engine.idle();
    expect((await store.read.deliveries.load(['o-1:p-1'])).get('o-1:p-1')!.status).toBe('sending'); // waits out 2 s
    expect(committed).toBe(false); // nothing is committed yet, and drained() has not said otherwise
    await clock.advance(1_000);
    await engine.idle();
    expect((await store.read.events.since(0, 10)).map((e) => e.payload.status)).toEqual(['sending', 'sent', 'delivered']);
    await Promise.resolve();
    expect(committed).toBe(true);
  });
});

describeOnPostgres('the delivery engine in lanes', () => {
  it('steps a delivery only in its own lane: another lane handed it leaves it alone', async () => {
    const { clock, store, engine } = await setup();
    const n = engine.lanes.length;
    expect(n).toBeGreaterThan(1);
    const own = laneOf(deliveryPartition('o-1:p-1'), n);
    const start = [{ deliveryId: 'o-1:p-1', event: { type: 'START' as const, at: clock.now() } }];
    expect(await engine.run((own + 1) % n, { kind: 'items', items: start })).toBe(0);
    expect((await store.read.deliveries.load(['o-1:p-1'])).get('o-1:p-1')!.status).toBe('new');
    expect(await engine.run(own, { kind: 'items', items: start })).toBe(1);
    expect((await store.read.deliveries.load(['o-1:p-1'])).get('o-1:p-1')!.status).toBe('sending');
  });
});
