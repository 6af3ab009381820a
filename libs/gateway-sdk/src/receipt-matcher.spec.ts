import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyJournal } from './key-journal';

const KEPT = z.strictObject({ key: z.number(), value: z.strictObject({ attemptId: z.string() }) });

import { VirtualClock } from '@lifeline/clock';
import { ReceiptMatcher, receiptIsFor } from './receipt-matcher';

describe('ReceiptMatcher', () => {
  it('applies a receipt to what its key stands for', () => {
    const m = new ReceiptMatcher<number, string>(new VirtualClock());
    const got: string[] = [];
    m.expect(7, 'attempt-a');
    m.receipt(7, (v) => got.push(v));
    m.receipt(8, (v) => got.push(v));
    expect(got).toEqual(['attempt-a']);
  });

  it('holds a receipt for a key just given again for the new send, not the old one the key stood for', () => {
    const m = new ReceiptMatcher<number, string>(new VirtualClock());
    const got: string[] = [];
    m.expect(7, 'old-part'); // its report never came; the reference wrapped round to 7 again
    m.receiptForNext(7, (v) => got.push(v)); // read with the new +CMGS: 7, before it was handled
    expect(got).toEqual([]);
    m.expect(7, 'new-part');
    expect(got).toEqual(['new-part']);
  });

  it('gives a receipt held for a newer send to the older one when no newer send names the key in time', async () => {
    const clock = new VirtualClock();
    const m = new ReceiptMatcher<number, string>(clock, 10_000);
    const got: string[] = [];
    m.expect(7, 'old-part');
    m.receiptForNext(7, (v) => got.push(v));
    await clock.advance(9_999);
    expect(got).toEqual([]);
    await clock.advance(1);
    expect(got).toEqual(['old-part']);
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

  it('with a journal, keeps its keys across a restart: a receipt afterwards finds its attempt', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lifeline-matcher-')), 'keys.jsonl');
    const before = new ReceiptMatcher<number, { attemptId: string }>(new VirtualClock(), 10_000, 255, new KeyJournal(file, KEPT));
    before.expect(7, { attemptId: 'a#1' });
    before.expect(8, { attemptId: 'b#1' });
    before.forget(8);
    const after = new ReceiptMatcher<number, { attemptId: string }>(new VirtualClock(), 10_000, 255, new KeyJournal(file, KEPT));
    const got: string[] = [];
    after.receipt(7, (v) => got.push(v.attemptId));
    expect(got).toEqual(['a#1']);
    expect(after.knows(8)).toBe(false);
  });
});

describe('a receipt under a key given again', () => {
  it('is not for an older send to someone else: it is the newer send’s, not yet named', () => {
    expect(receiptIsFor({ to: '17400000001' }, '17400000002')).toBe(false);
    expect(receiptIsFor({ to: '17400000001' }, '17400000001')).toBe(true);
    expect(receiptIsFor(undefined, '17400000001')).toBe(true); // nothing known: held for the send that names it
    expect(receiptIsFor({}, '17400000002')).toBe(true); // kept by an earlier version, without its recipient
    expect(receiptIsFor({ to: '17400000001' }, null)).toBe(true);
  });
});
