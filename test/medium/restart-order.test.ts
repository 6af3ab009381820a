import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReceiptFrame } from '@lifeline/contracts';
import type { Config } from '../../apps/router/src/config/config.schema';
import { harness, noLoss, type Harness } from '../support/harness';

/**
 * A router that was down does its overdue work first (libs/engine/src/resume.ts): the timers that
 * fell due and the deliveries that expired while it was down come before any delivery that had not
 * started yet is sent, so a deadline slips by the time it was down and no more.
 */
const FINAL = new Set(['acknowledged', 'delivered', 'unanswered', 'expired', 'failed', 'cancelled']);
const DOWN_MS = 10 * 60_000;

// One slow channel (the others down), a dispatcher that takes few at a time: the stop catches
// attempts in flight, answers awaited and deliveries the starter has not reached.
const slow = (c: Config) => {
  noLoss(c);
  Object.assign(c.engine, { dispatchHighWater: 10, startBatch: 5 });
  c.channels.forEach((ch) => (ch.simulator.replyProbability = 0));
  const pub = c.channels.find((ch) => ch.id === 'public')!;
  pub.capacity = { ...pub.capacity, ratePerS: 4, burst: 4 };
};

describe('a restart after downtime', () => {
  let h: Harness | null = null;
  afterEach(async () => h?.close());

  it('ends overdue deliveries before it starts new ones, each no later than its deadline plus the downtime', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lifeline-')), 'overdue.db');
    const start = (clockAt?: number) => harness({ db, tweak: slow, simulators: ['public'], clockAt });
    h = await start();
    const createdAt = h.clock.now(); // both orders are accepted now: virtual time stands still
    // Due while the router is down: answers awaited (ackWithinS) and the time to live itself.
    const due = await h.order({ priority: 'flash', to: { areas: ['330102001001'] }, ackRequired: true, ackWithinS: 30, ttlS: 60 });
    // Not due for an hour: many of these have not started when the router stops.
    const later = await h.order({ priority: 'routine', to: { areas: ['330102'] }, ackRequired: false, ttlS: 3_600 });
    await h.advance(1_500);
    const atStop = await h.store.read.deliveries.ofOrder(later.orderId);
    const dueAtStop = await h.store.read.deliveries.ofOrder(due.orderId);
    const unstarted = new Set(atStop.filter((d) => d.machine === null).map((d) => d.id));
    expect(unstarted.size).toBeGreaterThan(0);
    expect(dueAtStop.filter((d) => d.status === 'sending' || d.status === 'sent').length).toBeGreaterThan(0); // in flight or awaiting an answer
    expect(dueAtStop.filter((d) => FINAL.has(d.status))).toEqual([]);
    const lastSeq = (await h.events('receipt')).concat(await h.events('order.accepted')).reduce((m, e) => Math.max(m, e.seq), 0);
    const stoppedAt = h.clock.now();
    await h.close();

    h = await start(stoppedAt + DOWN_MS); // the clock went on while it was down
    await h.advance(30 * 60_000);
    const after = (await h.events<ReceiptFrame>('receipt')).filter((r) => r.seq > lastSeq);
    const firstNewStart = after.find((r) => unstarted.has(r.deliveryId) && r.status === 'sending');
    expect(firstNewStart).toBeDefined();
    const overdue = after.filter((r) => r.orderId === due.orderId && FINAL.has(r.status));
    expect(overdue.map((r) => r.deliveryId).sort()).toEqual(dueAtStop.map((d) => d.id).sort()); // every one ended after the restart
    expect(overdue.filter((r) => r.seq > firstNewStart!.seq)).toEqual([]);

    // Each final no later than its deadline plus the downtime; the hour-long order all delivered.
    const graceMs = h.config.graceS * 1_000;
    for (const [o, ttlS] of [[due, 60], [later, 3_600]] as const) {
      const latest = createdAt + (ttlS + h.config.graceS) * 1_000 + DOWN_MS;
      const late = after.filter((r) => r.orderId === o.orderId && FINAL.has(r.status) && Date.parse(r.at) > latest);
      expect(late).toEqual([]);
    }
    expect(await h.store.read.deliveries.countsByStatus(later.orderId)).toEqual({ delivered: later.deliveries });
  });
});
