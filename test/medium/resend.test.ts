import type { OrderSpec } from '@lifeline/domain';
import { ADMIN, harness, noLoss, type Harness } from '../support/harness';

/**
 * "Send again to those who have not answered" is one new order whose people the store picks from
 * the first order's deliveries by status (a delivery not started yet counts as queued), on both
 * stores; nobody else, however the first order picked its people.
 */

const VILLAGE = '330102001001';
const spec: OrderSpec = { priority: 'immediate', to: { areas: [VILLAGE] }, body: '山洪预警，请转移。', summary: '山洪，请转移', ackRequired: true, ackWithinS: 600, ttlS: 7200 };

describe('resend (medium tier)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const deliveries = async (orderId: string) => h.store.read.deliveries.ofOrder(orderId, 100_000);

  it('picks those who have not answered, or those not reached, and only them', async () => {
    h = await harness({ tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const first = await h.core.orders.accept(ADMIN, 'resend-a', spec);
    await h.advance(30_000);
    const everyone = (await deliveries(first.orderId)).map((d) => d.personId);
    const withPhone = [];
    for (const id of everyone) if ((await h.store.read.directory.person(id))!.terminals.public) withPhone.push(id);
    const answerer = withPhone[0];
    const person = (await h.store.read.directory.person(answerer))!;
    expect(await h.core.reply('public', person.terminals.public!, `${first.ref} 1`)).toBe(true);
    await h.advance(1_000);
    const statuses = new Map((await deliveries(first.orderId)).map((d) => [d.personId, d.status]));
    expect(statuses.get(answerer)).toBe('acknowledged');

    const again = await h.core.orders.resend(ADMIN, first.orderId, 'resend-b', 'notAnswered', { ttlS: 3600 });
    const picked = await deliveries(again.orderId);
    expect(picked.map((d) => d.personId).sort()).toEqual(everyone.filter((p) => p !== answerer).sort());
    expect(picked.every((d) => d.matched === 'person')).toBe(true);
    const row = (await h.store.read.orders.get(again.orderId))!;
    expect([row.body, row.summary, Number(row.ttl_s), Number(row.ack_within_s), JSON.parse(row.target)]).toEqual([spec.body, spec.summary, 3600, 600, spec.to]);

    // Not reached: every delivery of the first order was delivered but for the answer; nobody.
    const unreached = everyone.filter((p) => !['delivered', 'acknowledged', 'unanswered'].includes(statuses.get(p)!));
    if (unreached.length === 0) await expect(h.core.orders.resend(ADMIN, first.orderId, 'resend-c', 'notReached')).rejects.toMatchObject({ code: 'no_recipients' });
    else expect((await h.core.orders.resend(ADMIN, first.orderId, 'resend-c', 'notReached')).deliveries).toBe(unreached.length);
  });

  it('counts a delivery not started yet as queued: a routine order resent at once reaches all its people', async () => {
    h = await harness({ tweak: (c) => noLoss(c) });
    const first = await h.core.orders.accept(ADMIN, 'resend-routine', { ...spec, priority: 'routine' });
    const notStarted = (await deliveries(first.orderId)).filter((d) => d.status === 'new').length;
    expect(notStarted).toBe(first.deliveries);
    const again = await h.core.orders.resend(ADMIN, first.orderId, 'resend-routine-2', 'notReached');
    expect(again.deliveries).toBe(first.deliveries);
  });
});
