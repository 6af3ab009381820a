import { waitOf } from './beidou-adapter';

describe("a terminal's wait between sends", () => {
  it('is taken within reason: garbage counts as none, a negative as none, years as an hour', () => {
    expect(waitOf(45_000)).toBe(45_000);
    expect([waitOf(NaN), waitOf(Infinity), waitOf(-5_000)]).toEqual([0, 0, 0]);
    expect(waitOf(1e15)).toBe(3_600_000);
  });
});
