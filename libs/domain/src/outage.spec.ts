import { AreaTree } from './area';
import { OutageBoard, type Outage } from './outage';

const tree = new AreaTree([
  { code: 'city', name: '市', parent: null },
  { code: 'c1', name: '县1', parent: 'city' },
  { code: 'c2', name: '县2', parent: 'city' },
  { code: 't1', name: '镇1', parent: 'c1' },
]);
const H = 3_600_000;
const board = () =>
  new OutageBoard(tree, [
    { id: 'public', kind: 'public', batteryH: 3 },
    { id: 'pdt', kind: 'pdt', batteryH: 8 },
    { id: 'tiantong', kind: 'satellite', batteryH: null },
    { id: 'drone', kind: 'drone', batteryH: null },
  ]);
const outage = (o: Partial<Outage> & Pick<Outage, 'kind'>): Outage => ({
  id: 'o1', area: 'c1', channel: null, mode: null, loss: null, startAt: 0, endAt: null, ...o,
});

describe('OutageBoard', () => {
  it('a network outage takes the public network down in the area and below, nothing else', () => {
    const b = board();
    b.set([outage({ kind: 'network' })]);
    expect(b.effects(10)).toEqual([{ channel: 'public', area: 'c1', state: 'down', reason: 'network outage o1' }]);
    expect(b.sitesUp('public', 't1', 10)).toBe(false);
    expect(b.sitesUp('public', 'c2', 10)).toBe(true);
    expect(b.sitesUp('pdt', 't1', 10)).toBe(true);
  });

  it('a power outage runs each channel on its battery, then takes it down; satellites and drones stay', () => {
    const b = board();
    b.set([outage({ kind: 'power', startAt: 1000 })]);
    const at = (t: number) => Object.fromEntries(b.effects(t).map((e) => [e.channel, e.state]));
    expect(at(500)).toEqual({});
    expect(at(1000)).toEqual({ public: 'degraded', pdt: 'degraded' });
    expect(at(1000 + 3 * H)).toEqual({ public: 'down', pdt: 'degraded' });
    expect(at(1000 + 8 * H)).toEqual({ public: 'down', pdt: 'down' });
    expect(b.sitesUp('public', 't1', 1000 + 3 * H - 1)).toBe(true);
    expect(b.sitesUp('public', 't1', 1000 + 3 * H)).toBe(false);
    expect(b.nextChange(0)).toBe(1000);
    expect(b.nextChange(1000)).toBe(1000 + 3 * H);
    expect(b.nextChange(1000 + 3 * H)).toBe(1000 + 8 * H);
    expect(b.nextChange(1000 + 8 * H)).toBeNull();
  });

  it('outages end, overlap and combine: the worst state per channel and area wins', () => {
    const b = board();
    b.set([outage({ kind: 'power', endAt: 10 * H }), outage({ id: 'o2', kind: 'network', startAt: H, endAt: 2 * H })]);
    const pub = (t: number) => b.effects(t).find((e) => e.channel === 'public')?.state ?? 'up';
    expect(pub(0)).toBe('degraded');
    expect(pub(H)).toBe('down');
    expect(pub(2 * H)).toBe('degraded');
    expect(pub(3 * H)).toBe('down');
    expect(pub(10 * H)).toBe('up');
  });

  it('gateway faults: down is a state, the others only show in what the gateway does', () => {
    const b = board();
    b.set([outage({ kind: 'gateway', channel: 'pdt', mode: 'silent', area: null }), outage({ id: 'o2', kind: 'gateway', channel: 'pdt', mode: 'down' })]);
    expect(b.effects(0)).toEqual([{ channel: 'pdt', area: 'c1', state: 'down', reason: 'gateway outage o2' }]);
    expect(b.fault('pdt', 't1', 0)?.mode).toBe('down');
    expect(b.fault('pdt', 'c2', 0)?.mode).toBe('silent');
    expect(b.fault('public', 'c2', 0)).toBeNull();
  });

  it('a road outage cuts land access to the area and below only', () => {
    const b = board();
    b.set([outage({ kind: 'road', area: 't1' })]);
    expect(b.roadCut('t1', 0)).toBe(true);
    expect(b.roadCut('c1', 0)).toBe(false);
    expect(b.effects(0)).toEqual([]);
  });
});
