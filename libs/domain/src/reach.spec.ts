import { AreaTree } from './area';
import { personChannels, reachableNow } from './channel-choice';
import type { ChannelSpec } from './channel';
import { Reach } from './reach';

const tree = new AreaTree([
  { code: 'city', name: '市', parent: null },
  { code: 'c1', name: '县1', parent: 'city' },
  { code: 'c2', name: '县2', parent: 'city' },
  { code: 't1', name: '镇1', parent: 'c1' },
]);

describe('AreaTree', () => {
  it('knows paths, lineage, depth and subtrees', () => {
    expect(tree.path('t1')).toBe('/city/c1/t1/');
    expect(tree.lineage('t1')).toEqual(['t1', 'c1', 'city']);
    expect(tree.depth('t1')).toBe(2);
    expect(tree.isWithin('t1', 'c1')).toBe(true);
    expect(tree.isWithin('t1', 'c2')).toBe(false);
    expect(tree.atDepth('t1', 1)).toBe('c1');
    expect(tree.commonAncestor(['t1', 'c2'])).toBe('city');
  });

  it('refuses cycles and unknown parents', () => {
    expect(() => new AreaTree([{ code: 'a', name: 'a', parent: 'b' }, { code: 'b', name: 'b', parent: 'a' }])).toThrow(/cycle/);
    expect(() => new AreaTree([{ code: 'a', name: 'a', parent: 'zz' }])).toThrow(/unknown/);
  });
});

describe('Reach', () => {
  it('travels as a snapshot: restored elsewhere it answers as the original, and each change bumps its version', () => {
    const r = new Reach(tree);
    r.setCoverage('public', 'gw1', ['city'], 5_000);
    r.setCoverage('drone', 'd1', ['t1'], null, true);
    r.markFixedOnly('outage');
    r.report('public', 'c1', 'outage', 'down');
    r.report('drone', 'c1', 'outage', 'down');
    const v = r.version;
    const copy = new Reach(tree);
    copy.restore(JSON.parse(JSON.stringify(r.snapshot())));
    for (const [c, a, t] of [['public', 't1', 0], ['public', 'c2', 0], ['public', 'c2', 6_000], ['drone', 't1', 0], ['drone', 'c2', 0]] as const)
      expect(copy.state(c, a, t)).toBe(r.state(c, a, t));
    expect(copy.state('drone', 't1', 0)).toBe('up'); // a mobile station ignores fixed-site outages, there too
    // Said again, nothing changes: no new version (gateways repeat their health all the time).
    r.report('public', 'c1', 'outage', 'down');
    r.setCoverage('public', 'gw1', ['city'], 5_000);
    expect(r.version).toBe(v);
    r.clearSource('outage');
    expect(r.version).toBeGreaterThan(v);
  });

  it('is down without coverage, up with it, and the worst report on the lineage wins', () => {
    const r = new Reach(tree);
    expect(r.state('public', 't1', 0)).toBe('down');
    r.setCoverage('public', 'gw1', ['city']);
    expect(r.state('public', 't1', 0)).toBe('up');
    r.report('public', 'c1', 'gw:gw1', 'degraded');
    r.report('public', 't1', 'drill', 'down');
    expect(r.state('public', 't1', 0)).toBe('down');
    expect(r.state('public', 'c1', 0)).toBe('degraded');
    expect(r.state('public', 'c2', 0)).toBe('up');
    r.report('public', 't1', 'drill', 'up');
    expect(r.state('public', 't1', 0)).toBe('degraded');
    r.clearSource('gw:gw1');
    expect(r.state('public', 't1', 0)).toBe('up');
  });

  it('lets drone coverage run out at its end time', () => {
    const r = new Reach(tree);
    r.setCoverage('drone', 'uav', ['c1'], 1000);
    expect(r.state('drone', 't1', 999)).toBe('up');
    expect(r.state('drone', 't1', 1000)).toBe('down');
    expect(r.state('drone', 'c2', 0)).toBe('down');
    expect(r.nextCoverageEnd(0)).toBe(1000);
  });

  it('lets a mobile station ignore reports of fixed sites, and keeps fixed gateways out where those are down', () => {
    const r = new Reach(tree);
    r.markFixedOnly('outages');
    r.setCoverage('pdt', 'fixed', ['city']);
    r.report('pdt', 't1', 'outages', 'down');
    expect(r.state('pdt', 't1', 0)).toBe('down');
    expect(r.coversBy('pdt', 'fixed', 't1', 0)).toBe(false);
    r.setCoverage('pdt', 'truck', ['t1'], null, true);
    expect(r.state('pdt', 't1', 0)).toBe('up');
    expect(r.coversBy('pdt', 'truck', 't1', 0)).toBe(true);
    expect(r.coversBy('pdt', 'fixed', 't1', 0)).toBe(false);
    r.report('pdt', 't1', 'gw:truck', 'down'); // the station's own report still counts
    expect(r.state('pdt', 't1', 0)).toBe('down');
  });
});

describe('channel choice', () => {
  const spec = (id: string, terminal: ChannelSpec['terminal']) => ({ id, terminal }) as ChannelSpec;
  const specs = new Map([spec('public', 'public'), spec('drone', 'public'), spec('pdt', 'pdt'), spec('beidou', 'beidou')].map((s) => [s.id, s]));

  it('keeps the preference order, only channels the person holds a terminal for', () => {
    expect(personChannels(['public', 'drone', 'pdt', 'beidou'], specs, { public: '138', beidou: '0242286' })).toEqual(['public', 'drone', 'beidou']);
    expect(personChannels(['beidou', 'public'], specs, { public: '138', beidou: '1' })).toEqual(['beidou', 'public']);
  });

  it('keeps only channels that reach the area now', () => {
    const r = new Reach(tree);
    r.setCoverage('pdt', 'radio', ['c1']);
    expect(reachableNow(['public', 'pdt'], 't1', r, 0)).toEqual(['pdt']);
  });
});
