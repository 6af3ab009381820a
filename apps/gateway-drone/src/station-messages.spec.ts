import { coverageUntil, gatewayHealth, measuredAt, statusMessage } from './station-messages';

describe('ground station messages', () => {
  it('coverage ends at the planned time, or sooner when the drone must leave', () => {
    expect(coverageUntil(10_000_000, 0, undefined)).toBe(10_000_000);
    expect(coverageUntil(10_000_000, 0, 3_600)).toBe(3_600_000);
    expect(coverageUntil(1_000, 0, 3_600)).toBe(1_000);
  });

  it('counts endurance from when the station measured it, never from a time still to come', () => {
    const heard = Date.parse('2026-11-23T12:00:00Z');
    expect(measuredAt({ cell: 'up', at: '2026-11-23T10:00:00Z' }, heard)).toBe(Date.parse('2026-11-23T10:00:00Z'));
    expect(measuredAt({ cell: 'up', at: '2026-11-23T13:00:00Z' }, heard)).toBe(heard);
    expect(measuredAt({ cell: 'up' }, heard)).toBe(heard);
  });

  it.each([
    [{ cell: 'up' as const }, 'up'],
    [{ cell: 'up' as const, batteryPct: 10 }, 'degraded'],
    [{ cell: 'degraded' as const, batteryPct: 90 }, 'degraded'],
    [{ cell: 'down' as const, batteryPct: 90 }, 'down'],
  ])('health %j is %s', (h, state) => expect(gatewayHealth(h, 15)).toBe(state));

  it('refuses a status without an id, naming the field', () => {
    const r = statusMessage.safeParse({ status: 'delivered' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(['id']);
  });
});
