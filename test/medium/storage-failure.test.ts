import type { ReceiptFrame } from '@lifeline/contracts';
import { harness, noLoss, type Harness } from '../support/harness';

const VILLAGE = '330102001001';

/**
 * A disk that refuses commits for a while (full, remounted read-only): the router stays up, says
 * so, keeps what gateways told it meanwhile, and finishes every delivery once commits succeed.
 */
describe('while storage refuses commits', () => {
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
    h.store.db.sql.run('PRAGMA query_only = ON');
    h.sims.get('drone')!.disconnect(); // a channel change to record while storage fails
    const b = await h.order({ to: { areas: [VILLAGE] } }).then(() => 'accepted', (e: Error) => e.message);
    expect(b).toMatch(/readonly/i); // refused, not promised: durable before acknowledged
    await h.advance(5 * 60_000); // deliveries' timers fall due, gateways answer: none of it commits
    expect(h.store.commitFailure?.reason).toMatch(/readonly/i);
    h.store.db.sql.run('PRAGMA query_only = OFF');
    await h.advance(60 * 60_000);
    expect(rejections).toEqual([]);
    expect(h.store.commitFailure).toBeNull();
    const counts = h.store.deliveries.countsByStatus(a.orderId);
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(a.deliveries);
    expect(counts.queued ?? 0).toBe(0);
    expect(counts.sending ?? 0).toBe(0);
    // Every delivery has its final receipt, and the drone's outage was published after all.
    const finals = new Set(h.events<ReceiptFrame>('receipt').filter((r) => ['delivered', 'answered', 'expired', 'failed', 'unanswered'].includes(r.status)).map((r) => r.deliveryId));
    expect(finals.size).toBe(a.deliveries);
    expect(h.events<{ channel: string; state: string }>('channel').some((c) => c.channel === 'drone' && c.state === 'down')).toBe(true);
  });
});
