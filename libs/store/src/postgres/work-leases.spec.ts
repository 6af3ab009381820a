import { shareOf } from './work-leases';

describe('shareOf', () => {
  it('splits partitions evenly, the remainder one each to the first nodes by name', () => {
    const seven = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(seven.map((n) => shareOf(64, seven, n))).toEqual([10, 9, 9, 9, 9, 9, 9]);
    expect(['a', 'b', 'c'].map((n) => shareOf(64, ['a', 'b', 'c'], n))).toEqual([22, 21, 21]);
    expect(shareOf(64, [], 'a')).toBe(64);
  });

  it('counts in a node that is not yet among those alive, at its place by name', () => {
    expect(shareOf(64, ['b', 'c'], 'a')).toBe(22);
    expect(shareOf(64, ['a', 'b'], 'c')).toBe(21);
  });
});
