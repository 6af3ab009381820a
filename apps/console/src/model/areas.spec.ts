import { describe, expect, it } from '@jest/globals';
import { reachOf } from '../board/reach';
import { DEMO_TREE } from './areas.fixture';

const tree = DEMO_TREE;

describe('the area tree', () => {
  it('knows lineage, depth and who lies within whom', () => {
    expect(tree.roots.map((r) => r.code)).toEqual(['3301']);
    expect(tree.lineage('330102001001')).toEqual(['330102001001', '330102001', '330102', '3301']);
    expect(tree.depth('3301')).toBe(0);
    expect(tree.depth('330102001001')).toBe(3);
    expect(tree.isWithin('330102001001', '330102')).toBe(true);
    expect(tree.isWithin('330102002001', '330102001')).toBe(false);
    expect(tree.children('330102001').map((a) => a.name)).toEqual(['东岙村', '西岙村']);
    expect(tree.name('999')).toBe('999');
  });

  it('rolls village counts up into towns, the county and the city', () => {
    const up = tree.rollUp([
      { area: '330102001001', counts: { acknowledged: 2, delivered: 1 } },
      { area: '330102001002', counts: { acknowledged: 1 } },
      { area: '330102002001', counts: { failed: 4 } },
    ]);
    expect(up.get('330102001')).toEqual({ acknowledged: 3, delivered: 1 });
    expect(up.get('330102')).toEqual({ acknowledged: 3, delivered: 1, failed: 4 });
    expect(up.get('3301')).toEqual(up.get('330102'));
    expect(up.get('330102002001')).toEqual({ failed: 4 });
  });

  it('says how many towns and counties a preview reaches', () => {
    const reach = { people: 12, areas: [{ area: '330102001001', people: 5 }, { area: '330102001002', people: 4 }, { area: '330102002001', people: 3 }] };
    expect(reachOf(tree, reach)).toEqual({ people: 12, towns: 2, counties: 1 });
    expect(reachOf(tree, { people: 0, areas: [] })).toEqual({ people: 0, towns: 0, counties: 0 });
  });
});
