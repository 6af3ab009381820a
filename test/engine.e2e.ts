import { harness, type Harness } from './support/harness';

describe('engine with simulated gateways (medium tier)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('delivers an order to a village over the public network and ends every delivery delivered', async () => {
    h = await harness({ tweak: (c) => c.channels.forEach((ch) => (ch.simulator.loss = 0)) });
    const accepted = await h.order({ to: { areas: ['330102001001'] } });
    expect(accepted.deliveries).toBeGreaterThan(0);
    await h.advance(60_000);
    const counts = h.store.deliveries.countsByStatus(accepted.orderId);
    expect(counts).toEqual({ delivered: accepted.deliveries });
  });
});
