import { describe, expect, it } from '@jest/globals';
import { Areas } from '../model/areas';
import { statesAt } from './channel-states';

const areas = new Areas([
  { code: 'c', name: '市', parent: null },
  { code: 'k', name: '县', parent: 'c' },
  { code: 't', name: '镇', parent: 'k' },
  { code: 'v1', name: '甲村', parent: 't' },
  { code: 'v2', name: '乙村', parent: 't' },
]);
const at = '2026-01-01T00:00:00.000Z';

describe('statesAt', () => {
  it('takes the nearest state stated for the area or above it, per channel', () => {
    const states = [
      { channel: 'drone', area: 'c', state: 'down' as const, since: at }, // no drone anywhere…
      { channel: 'drone', area: 'v1', state: 'up' as const, since: at }, // …but one on station over 甲村
      { channel: 'public', area: 'c', state: 'up' as const, since: at },
      { channel: 'public', area: 't', state: 'degraded' as const, since: at },
    ];
    expect(statesAt(areas, states, 'v1').get('drone')!.state).toBe('up');
    expect(statesAt(areas, states, 'v2').get('drone')!.state).toBe('down');
    expect(statesAt(areas, states, 'v2').get('public')!.state).toBe('degraded');
    expect(statesAt(areas, states, 'k').get('public')!.state).toBe('up');
    expect(statesAt(areas, [], 'v1').size).toBe(0);
  });
});
