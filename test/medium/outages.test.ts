import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReceiptFrame } from '@lifeline/contracts';
import { harness, noLoss, type Harness } from '../support/harness';

const COUNTY = '330102';
const VILLAGE = '330102001001';
const OTHER_VILLAGE = '330103001001';
const H = 3_600_000;
const receipts = (h: Harness) => h.events<ReceiptFrame>('receipt');
const channelEvents = async (h: Harness, channel: string, area: string) =>
  (await h.events<{ channel: string; area: string; state: string; at: string }>('channel')).filter((c) => c.channel === channel && c.area === area);

describe('outages (三断 drills) in the router and the simulated gateways', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('a network outage takes public down in the county only; people there fall back, others stay on public', async () => {
    h = await harness({ tweak: noLoss });
    await h.core.outages.add({ kind: 'network', area: COUNTY });
    await h.core.settle();
    expect(h.core.channelState('public', VILLAGE)).toBe('down');
    expect(h.core.channelState('public', OTHER_VILLAGE)).toBe('up');
    expect((await channelEvents(h, 'public', COUNTY)).map((c) => c.state)).toEqual(['down']);

    const a = await h.order({ to: { areas: [VILLAGE, OTHER_VILLAGE], roles: ['village-head'] } });
    await h.advance(5 * 60_000);
    const sends = (await receipts(h)).filter((r) => r.orderId === a.orderId && r.status === 'sending');
    const byPerson = new Map(sends.map((r) => [r.personId, r.channel]));
    const here = (await h.store.read.deliveries.ofOrder(a.orderId)).find((d) => d.area === VILLAGE)!;
    const there = (await h.store.read.deliveries.ofOrder(a.orderId)).find((d) => d.area === OTHER_VILLAGE)!;
    expect(byPerson.get(here.personId)).toBe('tiantong'); // no drone over 330102, no radio for a head
    expect(byPerson.get(there.personId)).toBe('public');
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 2 });
  });

  it('a power outage runs public on battery for 3 h and the 370MHz sites for 8 h; ending it brings both back', async () => {
    h = await harness({ tweak: noLoss });
    const o = await h.core.outages.add({ kind: 'power', area: COUNTY });
    await h.core.settle();
    await h.advance(3 * H);
    expect(h.core.channelState('public', VILLAGE)).toBe('down');
    expect(h.core.channelState('pdt', VILLAGE)).toBe('degraded');
    await h.advance(5 * H);
    expect(h.core.channelState('pdt', VILLAGE)).toBe('down');
    expect(h.core.channelState('tiantong', VILLAGE)).toBe('up');
    await h.core.outages.end(o.id);
    await h.core.settle();
    expect((await channelEvents(h, 'public', COUNTY)).map((c) => c.state)).toEqual(['degraded', 'down', 'up']);
    expect((await channelEvents(h, 'pdt', COUNTY)).map((c) => c.state)).toEqual(['degraded', 'down', 'up']);
    const downAt = Date.parse((await channelEvents(h, 'public', COUNTY))[1].at) - Date.parse((await channelEvents(h, 'public', COUNTY))[0].at);
    expect(downAt).toBe(3 * H);
  });

  it('deliveries waiting on an outage go out when it ends, and no attempt went to a channel while it was down', async () => {
    h = await harness({ tweak: noLoss, simulators: ['public'] });
    const o = await h.core.outages.add({ kind: 'network', area: COUNTY, durationS: 1800 });
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] } }); // mobile only
    await h.advance(20 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ queued: 1 });
    await h.advance(15 * 60_000); // the outage ends at 30 min by itself
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 1 });
    const sending = (await receipts(h)).filter((r) => r.orderId === a.orderId && r.status === 'sending');
    expect(sending.every((r) => Date.parse(r.at) >= o.endAt!)).toBe(true);
  });

  it('a silent gateway fault is found by the router itself: accepted, never delivered, then fallback', async () => {
    h = await harness({ tweak: noLoss });
    await h.core.outages.add({ kind: 'gateway', channel: 'public', mode: 'silent', area: COUNTY });
    await h.core.settle();
    expect(h.core.channelState('public', VILLAGE)).toBe('up'); // nobody told the router
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['village-head'] } });
    await h.advance(10 * 60_000);
    const r = (await receipts(h)).filter((x) => x.orderId === a.orderId);
    expect(r.filter((x) => x.status === 'sending').map((x) => x.channel)).toEqual(['public', 'tiantong']);
    expect(r.at(-1)!.status).toBe('delivered');
    expect(r.some((x) => x.status === 'sent' && x.channel === 'public')).toBe(true);
  });

  it('a gateway down fault takes the channel down for the router too, and only where it applies', async () => {
    h = await harness({ tweak: noLoss });
    await h.core.outages.add({ kind: 'gateway', channel: 'pdt', mode: 'down', area: COUNTY });
    await h.core.settle();
    expect(h.core.channelState('pdt', VILLAGE)).toBe('down');
    expect(h.core.channelState('pdt', OTHER_VILLAGE)).toBe('up');
  });

  it('outages are rows: a restarted router comes back to the same world', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lifeline-outage-')), 'l.db');
    h = await harness({ db });
    await h.core.outages.add({ kind: 'network', area: COUNTY });
    await h.close();
    h = await harness({ db });
    expect(h.core.outages.list()).toEqual([expect.objectContaining({ kind: 'network', area: COUNTY, active: true })]);
    expect(h.core.channelState('public', VILLAGE)).toBe('down');
  });

  it('refuses outages that name unknown areas or channels, or a mode without a gateway', async () => {
    h = await harness();
    await expect(h.core.outages.add({ kind: 'network', area: '999' })).rejects.toMatchObject({ code: 'unknown_area' });
    await expect(h.core.outages.add({ kind: 'gateway', channel: 'fax', mode: 'down' })).rejects.toMatchObject({ code: 'unknown_channel' });
    await expect(h.core.outages.add({ kind: 'network', mode: 'down' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(h.core.outages.end('nope')).rejects.toMatchObject({ code: 'not_found' });
    expect(h.core.outages.list()).toEqual([]);
  });
});
