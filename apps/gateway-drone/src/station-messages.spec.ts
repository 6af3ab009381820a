import fc from 'fast-check';
import { smsSegments } from '@lifeline/domain';
import { channelsOfKind, orderTexts, plansAtEveryLimit, textBudgetSeed } from '../../../test/support/text-budget';
import { coverageUntil, gatewayHealth, measuredAt, sendMessage, statusMessage, type SendMessage } from './station-messages';

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

/**
 * One text budget: the router fits an order's text to the drone channel's configured SMS
 * segments; the adapter hands it to the ground station unchanged in `sms/send` (JSON), and the
 * station, reading it as `sendMessage`, gets exactly the text planned, which goes on the drone's
 * cell in the parts the router counted.
 */
describe('one text budget: the ground station gets the text the router planned', () => {
  it.each(channelsOfKind('drone').map((c) => [c.id, c] as const))('%s: unchanged and within the planned segments, for any text at every limit', (_id, channel) => {
    if (channel.text.kind !== 'sms') throw new Error(`${channel.id}: a drone channel is limited in SMS segments`);
    const limit = channel.text;
    const seed = textBudgetSeed(`drone ${channel.id}`);
    fc.assert(
      fc.property(orderTexts(), (order) => {
        for (const plan of plansAtEveryLimit(limit, channel.narrowband, order)) {
          // As DroneAdapter.send publishes it.
          const msg: SendMessage = { id: 'o-1#1', to: '13800000001', text: plan.text, priority: 'flash' };
          const heard = sendMessage.parse(JSON.parse(JSON.stringify(msg)));
          expect(heard.text).toBe(plan.text);
          expect({ text: plan.text, parts: smsSegments(heard.text).parts.length }).toEqual({ text: plan.text, parts: plan.segments });
          expect(plan.segments).toBeLessThanOrEqual(limit.maxSegments);
        }
      }),
      { seed, numRuns: 40 },
    );
  });
});
