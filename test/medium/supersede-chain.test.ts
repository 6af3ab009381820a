import type { OrderSpec } from '@lifeline/domain';
import { ADMIN, harness, noLoss, type Harness } from '../support/harness';

/**
 * An alert updated as the hazard comes nearer is a chain of orders, each superseding the one
 * before (24 h, 6 h, 2 h). Whoever answered any order of the chain is not asked again by a
 * later one, though each update names only the order right before it; on both stores.
 */

const VILLAGE = '330102001001';
const spec: OrderSpec = { priority: 'immediate', to: { areas: [VILLAGE] }, body: '山洪预警，请转移。', ackRequired: true, ackWithinS: 600, ttlS: 7200 };

describe('superseding chains (medium tier)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const people = async (orderId: string) => (await h.store.read.deliveries.ofOrder(orderId, 100_000)).map((d) => d.personId);
  const answer = async (orderId: string, ref: string, personId: string) => {
    const person = (await h.store.read.directory.person(personId))!;
    expect(await h.core.reply('public', person.terminals.public!, `${ref} 1`)).toBe(true);
    await h.advance(1_000);
    expect((await h.store.read.deliveries.ofOrder(orderId, 100_000)).find((d) => d.personId === personId)?.status).toBe('acknowledged');
  };

  it('leaves out of the third order whoever answered the first, though the third supersedes only the second', async () => {
    h = await harness({ tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const a = await h.core.orders.accept(ADMIN, 'chain-a', spec);
    await h.advance(30_000);
    const everyone = await people(a.orderId);
    const withPhone = [];
    for (const id of everyone) if ((await h.store.read.directory.person(id))!.terminals.public) withPhone.push(id);
    expect(withPhone.length).toBeGreaterThanOrEqual(2);
    await answer(a.orderId, a.ref, withPhone[0]);

    const b = await h.core.orders.accept(ADMIN, 'chain-b', spec, { supersedes: [a.orderId] });
    expect(b.deliveries).toBe(everyone.length - 1);
    await h.advance(30_000);
    await answer(b.orderId, b.ref, withPhone[1]);

    const c = await h.core.orders.accept(ADMIN, 'chain-c', spec, { supersedes: [b.orderId] });
    expect(c.deliveries).toBe(everyone.length - 2);
    expect(await people(c.orderId)).not.toContain(withPhone[0]);
    expect(await people(c.orderId)).not.toContain(withPhone[1]);
    expect(await h.store.read.orders.chainOf([c.orderId])).toEqual([c.orderId, b.orderId, a.orderId]);
    expect(await h.store.read.orders.supersedersOf([a.orderId])).toEqual([b.orderId, c.orderId]); // forwards, for a Cancel of the first
    expect(await h.store.read.orders.supersedersOf([c.orderId])).toEqual([]);
  });
});
