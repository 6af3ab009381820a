import { join } from 'node:path';
import { tempDir } from '../support/child';
import { harness, noLoss, type Harness } from '../support/harness';

const TOWN = '330102001';
const VILLAGES = ['330102001001', '330102001002'];
const pdtFirst = (c: Harness['config']) => {
  noLoss(c);
  c.relays.resources.sort((a, b) => (a.channel === 'pdt' ? -1 : b.channel === 'pdt' ? 1 : 0));
};

const events = (h: Harness, type: string) => h.events(type);

/** 三断 over one town: public network lost, 370MHz sites washed away, optionally the road cut. */
async function cutOff(h: Harness, road: boolean): Promise<void> {
  await h.core.outages.add({ kind: 'network', area: TOWN });
  await h.core.outages.add({ kind: 'gateway', channel: 'pdt', mode: 'down', area: TOWN });
  if (road) await h.core.outages.add({ kind: 'road', area: TOWN });
  await h.core.settle();
}

describe('relay requests and mobile resources', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('asks for a relay where people wait with no ground channel, flies a drone in, and the waiting go out', async () => {
    h = await harness({ tweak: pdtFirst });
    await cutOff(h, true);
    const a = await h.order({ priority: 'flash', to: { areas: VILLAGES, roles: ['grid-worker'] }, ttlS: 6 * 3600 }); // mobile only
    await h.advance(2 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ queued: 2 });
    expect(await events(h, 'relay.request')).toEqual([expect.objectContaining({ area: TOWN, unreached: 2, priority: 'flash' })]);
    // The mobile 370MHz station comes first in this config, but the road is cut: the drone goes.
    expect(await events(h, 'relay.dispatched')).toEqual([expect.objectContaining({ resource: 'wing-loong-1', channel: 'drone', area: TOWN })]);
    await h.advance(90 * 60_000);
    expect(await events(h, 'relay.arrived')).toHaveLength(1);
    await h.advance(5 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 2 });
    expect(h.core.channelState('drone', VILLAGES[0])).toBe('up');
    await h.advance(5 * 3600_000);
    expect(await events(h, 'relay.left')).toHaveLength(1);
    expect(h.core.channelState('drone', VILLAGES[0])).toBe('down');
  });

  it('drives a mobile 370MHz station in when the road is open; fixed-site outages do not touch it', async () => {
    h = await harness({ tweak: pdtFirst });
    await cutOff(h, false);
    const a = await h.order({ to: { areas: VILLAGES, roles: ['militia'] }, ttlS: 6 * 3600 }); // mobile + radio
    await h.advance(2 * 60_000);
    expect(await events(h, 'relay.dispatched')).toEqual([expect.objectContaining({ resource: 'mobile-pdt-1', channel: 'pdt' })]);
    await h.advance(65 * 60_000);
    expect(h.core.channelState('pdt', VILLAGES[0])).toBe('up');
    await h.advance(5 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 2 });
  });

  it('keeps a mission across a restart: the drone already flying is not sent twice', async () => {
    const db = join(tempDir(), 'relay.db');
    h = await harness({ db, tweak: pdtFirst });
    await cutOff(h, true);
    const a = await h.order({ priority: 'flash', to: { areas: VILLAGES, roles: ['grid-worker'] }, ttlS: 6 * 3600 });
    await h.advance(30 * 60_000);
    expect(await events(h, 'relay.dispatched')).toHaveLength(1);
    const restart = async () => {
      const at = h.clock.now();
      await h.close();
      h = await harness({ db, tweak: pdtFirst, clockAt: at }); // the same database, a new process
    };
    await restart();
    expect(h.core.relayMissions()).toEqual([expect.objectContaining({ area: TOWN, state: 'en-route' })]);
    await h.advance(65 * 60_000);
    expect(await events(h, 'relay.dispatched')).toHaveLength(1);
    expect(await events(h, 'relay.arrived')).toHaveLength(1);
    await h.advance(5 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 2 });
    // Restarted while on station: the drone is back in the sky at once, without a second arrival.
    await restart();
    await h.advance(0);
    expect(h.core.channelState('drone', VILLAGES[0])).toBe('up');
    expect(await events(h, 'relay.arrived')).toHaveLength(1);
    expect((await h.store.read.missions.all())).toHaveLength(1);
    await h.advance(6 * 3600_000);
    expect(await events(h, 'relay.left')).toHaveLength(1);
    expect((await h.store.read.missions.all())).toEqual([]);
  });

  it('asks nothing while a ground channel still reaches the people', async () => {
    h = await harness({ tweak: noLoss });
    await h.core.outages.add({ kind: 'network', area: TOWN });
    const a = await h.order({ to: { areas: VILLAGES, roles: ['militia'] } });
    await h.advance(5 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 2 });
    expect(await events(h, 'relay.request')).toEqual([]);
  });
});
