
import { VirtualClock } from '@lifeline/clock';
import { ReceiptMatcher } from './receipt-matcher';

describe('ReceiptMatcher', () => {
  it('applies a receipt to what its key stands for', () => {
    const m = new ReceiptMatcher<number, string>(new VirtualClock());
    const got: string[] = [];
    m.expect(7, 'attempt-a');
    m.receipt(7, (v) => got.push(v));
    m.receipt(8, (v) => got.push(v));
    expect(got).toEqual(['attempt-a']);
  });

  it('holds a receipt read before its key was named, and applies it then', () => {
    const m = new ReceiptMatcher<number, string>(new VirtualClock());
    const got: string[] = [];
    m.receipt(7, (v) => got.push(v));
    expect(got).toEqual([]);
    m.expect(7, 'attempt-a');
    expect(got).toEqual(['attempt-a']);
  });

  it('drops a held receipt older than holdMs: a recycled key must not pick it up', async () => {
    const clock = new VirtualClock();
    const m = new ReceiptMatcher<number, string>(clock, 1_000);
    const got: string[] = [];
    m.receipt(7, (v) => got.push(v));
    await clock.advance(1_001);
    m.expect(7, 'attempt-b');
    expect(got).toEqual([]);
  });

  it('forgets a key', () => {
    const m = new ReceiptMatcher<number, string>(new VirtualClock());
    const got: string[] = [];
    m.expect(7, 'attempt-a');
    m.forget(7);
    m.receipt(7, (v) => got.push(v));
    expect(got).toEqual([]);
  });
});
