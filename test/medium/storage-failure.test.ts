import type { ReceiptFrame } from '@lifeline/contracts';
import { harness, noLoss, type Harness } from '../support/harness';
import { DatabaseInUseError, openStore } from '@lifeline/store';
import { cutConnections, describeOnPostgres, describeOnSqlite, sqliteOf, testDatabase } from '../support/test-store';

const VILLAGE = '330102001001';

/**
 * A disk that refuses commits for a while (full, remounted read-only): the router stays up, says
 * so, keeps what gateways told it meanwhile, and finishes every delivery once commits succeed.
 */
describeOnSqlite('while storage refuses commits', () => {
  let h: Harness;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  beforeAll(() => process.on('unhandledRejection', onRejection));
  afterAll(() => process.off('unhandledRejection', onRejection));
  afterEach(async () => h?.close());

  it('keeps retrying its starts, receipts, timers and channel changes, and loses none of them', async () => {
    h = await harness({ tweak: noLoss });
    const a = await h.order({ to: { areas: [VILLAGE] }, ackRequired: true, ackWithinS: 120 });
    await h.advance(1_000); // sent: the gateways' receipts are on their way
    sqliteOf(h.store).db.sql.run('PRAGMA query_only = ON');
    h.sims.get('drone')!.disconnect(); // a channel change to record while storage fails
    const b = await h.order({ to: { areas: [VILLAGE] } }).then(() => 'accepted', (e: Error) => e.message);
    expect(b).toMatch(/readonly/i); // refused, not promised: durable before acknowledged
    await h.advance(5 * 60_000); // deliveries' timers fall due, gateways answer: none of it commits
    expect(h.store.commitFailure?.reason).toMatch(/readonly/i);
    sqliteOf(h.store).db.sql.run('PRAGMA query_only = OFF');
    await h.advance(60 * 60_000);
    expect(rejections).toEqual([]);
    expect(h.store.commitFailure).toBeNull();
    const counts = (await h.store.read.deliveries.countsByStatus(a.orderId));
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(a.deliveries);
    expect(counts.queued ?? 0).toBe(0);
    expect(counts.sending ?? 0).toBe(0);
    // Every delivery has its final receipt, and the drone's outage was published after all.
    const finals = new Set((await h.events<ReceiptFrame>('receipt')).filter((r) => ['delivered', 'answered', 'expired', 'failed', 'unanswered'].includes(r.status)).map((r) => r.deliveryId));
    expect(finals.size).toBe(a.deliveries);
    expect((await h.events<{ channel: string; state: string }>('channel')).some((c) => c.channel === 'drone' && c.state === 'down')).toBe(true);
  });
});

const finalReceipts = async (h: Harness) =>
  new Set((await h.events<ReceiptFrame>('receipt')).filter((r) => ['delivered', 'answered', 'acknowledged', 'expired', 'failed', 'unanswered'].includes(r.status)).map((r) => r.deliveryId));

/** Waits (on the server, not on the router's clock) until the store commits again. */
async function writable(h: Harness): Promise<void> {
  for (;;) {
    const ok = await h.store.write(async () => true).catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The way to PostgreSQL breaks (a network blip, a server restart): the router takes it again. */
describeOnPostgres('when the connections to PostgreSQL are cut', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('reconnects, retakes its writer lock, and finishes every delivery with nothing lost', async () => {
    h = await harness({ tweak: noLoss });
    const a = await h.order({ to: { areas: [VILLAGE] }, ackRequired: true, ackWithinS: 120 });
    await h.advance(1_000); // sent: the gateways' receipts are on their way
    expect(await cutConnections(h.store)).toBeGreaterThan(1); // the pool's, the writer's and the lock's
    await h.advance(5_000); // receipts and timers meet dead sessions, then fresh ones
    // The old sessions end on the server's own time, and only then is the lock free to take again.
    await writable(h);
    const b = await h.order({ to: { areas: [VILLAGE] } });
    await h.advance(60 * 60_000);
    expect(h.store.commitFailure).toBeNull();
    for (const o of [a, b]) {
      const counts = await h.store.read.deliveries.countsByStatus(o.orderId);
      expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(o.deliveries);
      expect([counts.queued ?? 0, counts.sending ?? 0]).toEqual([0, 0]);
    }
    expect((await finalReceipts(h)).size).toBe(a.deliveries + b.deliveries);
  });

  it('lets one router write a database: a second one is refused, also after the first lost its connections', async () => {
    const db = testDatabase(`one-writer-${process.pid}`);
    h = await harness({ db: `one-writer-${process.pid}` });
    await expect(openStore(db.database, { schema: db.schema })).rejects.toThrow(DatabaseInUseError);
    await cutConnections(h.store);
    await writable(h); // the first router's writer takes a fresh session and the lock with it
    await expect(openStore(db.database, { schema: db.schema })).rejects.toThrow(DatabaseInUseError);
    await h.close();
    h = undefined;
    const second = await openStore(db.database, { schema: db.schema }); // free once the first is gone
    await second.close();
  });
});
