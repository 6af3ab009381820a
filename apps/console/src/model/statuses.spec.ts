import { describe, expect, it } from '@jest/globals';
import { DELIVERY_STATUSES } from '@lifeline/domain';
import { NOT_ANSWERED, NOT_REACHED, percent, rates } from './statuses';

describe('rates of an order', () => {
  it('叫应率 is answers of all asked; reach counts delivered, acknowledged and unanswered', () => {
    const r = rates({ queued: 1, sent: 2, delivered: 3, acknowledged: 2, unanswered: 1, failed: 1 });
    expect(r.total).toBe(10);
    expect(r.acknowledged).toBe(2);
    expect(r.answerRate).toBeCloseTo(0.2);
    expect(r.reachRate).toBeCloseTo(0.6);
    expect(percent(1 / 24)).toBe('4.2%');
    expect(percent(1)).toBe('100%');
  });

  it('an order with no deliveries has rates of 0, not NaN', () => {
    expect(rates({})).toMatchObject({ total: 0, answerRate: 0, reachRate: 0 });
  });

  it('the filter groups are statuses the contract knows; answered and cancelled are never "not answered"', () => {
    for (const s of [...NOT_REACHED, ...NOT_ANSWERED]) expect(DELIVERY_STATUSES).toContain(s);
    expect(NOT_ANSWERED).not.toContain('acknowledged');
    expect(NOT_ANSWERED).not.toContain('cancelled');
    expect(NOT_REACHED).not.toContain('delivered');
  });
});
