import { describe, expect, it } from '@jest/globals';
import { DEMO_TREE } from '../model/areas.fixture';
import { statesAt } from './channel-states';

const areas = DEMO_TREE;
const [v1, v2] = ['330102001001', '330102001002'];
const at = '2026-01-01T00:00:00.000Z';

describe('statesAt', () => {
  it('takes the nearest state stated for the area or above it, per channel', () => {
    const states = [
      { channel: 'drone', area: '3301', state: 'down' as const, since: at }, // no drone anywhere…
      { channel: 'drone', area: v1, state: 'up' as const, since: at }, // …but one on station over 甲村
      { channel: 'public', area: '3301', state: 'up' as const, since: at },
      { channel: 'public', area: '330102001', state: 'degraded' as const, since: at },
    ];
    expect(statesAt(areas, states, v1).get('drone')!.state).toBe('up');
    expect(statesAt(areas, states, v2).get('drone')!.state).toBe('down');
    expect(statesAt(areas, states, v2).get('public')!.state).toBe('degraded');
    expect(statesAt(areas, states, '330102').get('public')!.state).toBe('up');
    expect(statesAt(areas, [], v1).size).toBe(0);
  });
});
