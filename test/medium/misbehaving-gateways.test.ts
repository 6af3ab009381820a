import { connectInProcess, type RouterToGateway } from '@lifeline/channels';
import type { ReceiptFrame, SendFrame } from '@lifeline/contracts';
import { JUNK_LIMIT } from '@lifeline/engine';
import { storeDigest } from '../support/digest';
import { harness, noLoss, type Harness } from '../support/harness';

const ROOT = '330100';
const VILLAGE = '330102001001';

/** A gateway the test plays by hand, through the same in-process port the simulators use. */
function fakeGateway(h: Harness, channel: string, gatewayId = `fake-${channel}`) {
  const frames: RouterToGateway[] = [];
  const link = connectInProcess(h.core.gateways, channel, (f) => frames.push(f));
  let closed = false;
  const conn = {
    frames,
    sends: () => frames.filter((f): f is SendFrame => f.type === 'send'),
    errors: () => frames.filter((f) => f.type === 'error') as { type: 'error'; error: { code: string } }[],
    send: (f: unknown) => closed || link.send(f),
    close: () => ((closed = true), link.close()),
  };
  conn.send({ type: 'hello', gatewayId, channel, areas: [ROOT], window: 100 });
  return conn;
}

describe('misbehaving gateways corrupt nothing and starve nobody', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('duplicate, out-of-order and late receipts leave one clean status line per delivery', async () => {
    h = await harness({ tweak: noLoss, simulators: [] });
    const gw = fakeGateway(h, 'public');
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: false });
    await h.advance(0);
    const [send] = gw.sends();
    const id = send.attemptId;
    gw.send({ type: 'delivered', attemptId: id }); // before accepted: out of order
    gw.send({ type: 'accepted', attemptId: id });
    gw.send({ type: 'delivered', attemptId: id }); // duplicate
    gw.send({ type: 'failed', attemptId: id, permanent: true, reason: 'late and wrong' }); // after final
    gw.send({ type: 'accepted', attemptId: id });
    await h.advance(60_000);
    const statuses = (await h.events<ReceiptFrame>('receipt')).filter((r) => r.orderId === a.orderId).map((r) => r.status);
    expect(statuses).toEqual(['sending', 'delivered']);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 1 });
    expect(gw.sends()).toHaveLength(1); // nothing was sent again
  });

  it('ignores receipts for unknown attempts and other channels, and replies from strangers or with wrong refs', async () => {
    h = await harness({ tweak: noLoss, simulators: [] });
    const gw = fakeGateway(h, 'public');
    const pdt = fakeGateway(h, 'pdt');
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: true, ackWithinS: 600 });
    await h.advance(0);
    const [send] = gw.sends();
    gw.send({ type: 'accepted', attemptId: send.attemptId });
    gw.send({ type: 'delivered', attemptId: send.attemptId });
    await h.advance(1_000);
    const before = await storeDigest(h.store);
    const forged = [`${a.orderId}:p-000000#1`, 'o-nope:p-000001#1', 'no-hash-at-all', `${send.attemptId.replace(/#\d+$/, '#99')}`];
    for (const attemptId of forged) gw.send({ type: 'failed', attemptId, permanent: true, reason: 'forged' });
    pdt.send({ type: 'failed', attemptId: send.attemptId, permanent: true, reason: 'not my attempt' }); // another channel's
    gw.send({ type: 'reply', from: '19999999999', text: `${a.ref} 1` }); // a stranger
    gw.send({ type: 'reply', from: send.to, text: 'ZZZZ 1' }); // a ref of no order
    gw.send({ type: 'reply', from: send.to, text: '我在开会' }); // not an answer
    await h.advance(1_000);
    expect(await storeDigest(h.store)).toBe(before);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 1 });
    gw.send({ type: 'reply', from: send.to, text: `${a.ref} 1` }); // the real answer still counts
    await h.advance(1_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ acknowledged: 1 });
  });

  it('a gateway repeating one failure does not trip the breaker for the channel', async () => {
    h = await harness({ tweak: noLoss, simulators: [] });
    const gw = fakeGateway(h, 'public');
    await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] } });
    await h.advance(0);
    const [send] = gw.sends();
    for (let i = 0; i < 50; i++) gw.send({ type: 'failed', attemptId: send.attemptId, permanent: false, reason: 'busy' });
    await h.advance(1_000);
    expect(h.core.channelStates().filter((c) => c.channel === 'public' && c.state === 'down')).toEqual([]);
  });

  it('cuts off a flooding gateway while the other channels deliver as usual', async () => {
    h = await harness({ tweak: noLoss });
    const flood = fakeGateway(h, 'pdt', 'flooder');
    const a = await h.order({ to: { areas: ['330102001'] }, ackRequired: false });
    for (let i = 0; i < 3 * JUNK_LIMIT; i++) {
      flood.send(i % 3 === 0 ? { type: 'delivered', attemptId: `x:p-${i}#1` } : i % 3 === 1 ? { type: 'bogus', n: i } : { type: 'reply', from: `1${i}`, text: '1' });
    }
    await h.core.settle(); // a gateway's frames are handled in turn
    expect(flood.errors().at(-1)?.error.code).toBe('flooding');
    // Bad frames are answered until the cut, then nothing more is read.
    const badBeforeCut = Array.from({ length: JUNK_LIMIT }, (_, i) => i % 3 === 1).filter(Boolean).length;
    expect(flood.errors()).toHaveLength(badBeforeCut + 1);
    expect(h.core.gateways.connected('pdt').map((g) => g.gatewayId)).toEqual(['sim-pdt']); // the simulator stays
    await h.advance(5 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: a.deliveries });
  });
});
