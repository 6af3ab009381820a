import { findRef, isBareAck, makeRef } from './ref';
import { attemptId, deliveryId, parseAttemptId } from './order';

describe('refs and ids', () => {
  it('makes refs without look-alike characters', () => {
    let i = 0;
    const seq = () => (i++ % 32) / 32;
    expect(makeRef(seq, 6)).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
  });

  it('finds refs in replies, case-insensitively, and knows a bare acknowledgement', () => {
    expect(findRef('a7k2 收到')).toEqual(['A7K2']);
    expect(findRef('[A7K2] 1')).toEqual(['A7K2']);
    expect(findRef('1')).toEqual([]);
    expect(isBareAck(' 收到 ')).toBe(true);
    expect(isBareAck('ok')).toBe(true);
    expect(isBareAck('不去')).toBe(false);
  });

  it('round-trips attempt ids, and rejects forged ones', () => {
    const d = deliveryId('o-1', 'p-000001');
    expect(parseAttemptId(attemptId(d, 3))).toEqual({ deliveryId: d, attempt: 3 });
    expect(parseAttemptId('nohash')).toBeNull();
    expect(parseAttemptId('x#0')).toBeNull();
    expect(parseAttemptId('x#1.5')).toBeNull();
  });
});
