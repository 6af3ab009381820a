import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyJournal } from './key-journal';

const ATTEMPT = z.strictObject({ attemptId: z.string() });
const N = z.number();

const file = () => join(mkdtempSync(join(tmpdir(), 'lifeline-journal-')), 'state', 'keys.jsonl');

describe('KeyJournal', () => {
  it('keeps what was set and not deleted across a reopen', () => {
    const f = file();
    const j = new KeyJournal(f, ATTEMPT);
    j.set('m1', { attemptId: 'a#1' });
    j.set('m2', { attemptId: 'b#1' });
    j.delete('m1');
    j.set('m2', { attemptId: 'b#2' });
    // no close: a crash leaves the file as written
    expect(new KeyJournal(f, ATTEMPT).entries()).toEqual([['m2', { attemptId: 'b#2' }]]);
  });

  it('takes a line cut short by a crash as the end of the file', () => {
    const f = file();
    const j = new KeyJournal(f, N);
    j.set('a', 1);
    j.close();
    appendFileSync(f, '{"k":"b","v":');
    expect(new KeyJournal(f, N).entries()).toEqual([['a', 1]]);
  });

  it('reads its file back as any input: values that are not what the adapter keeps are left out and counted', () => {
    const f = file();
    new KeyJournal(f, ATTEMPT).close();
    appendFileSync(f, ['{"k":"m1","v":{"attemptId":"a#1"}}', '{"k":"m2","v":{"attemptId":7}}', '{"k":"m3","v":"junk"}', '{"k":5,"v":{}}', ''].join('\n'));
    const j = new KeyJournal(f, ATTEMPT);
    expect([j.entries(), j.ignored]).toEqual([[['m1', { attemptId: 'a#1' }]], 2]);
    j.close();
  });

  it('compacts to what is live at start and when it grows', () => {
    const f = file();
    const j = new KeyJournal(f, N);
    for (let i = 0; i < 3_000; i++) {
      j.set(`k${i}`, i);
      if (i > 0) j.delete(`k${i - 1}`);
    }
    expect(readFileSync(f, 'utf8').split('\n').length).toBeLessThan(2_100);
    j.close();
    new KeyJournal(f, N).close();
    expect(readFileSync(f, 'utf8')).toBe('{"k":"k2999","v":2999}\n');
  });

  it('makes the writes of one turn durable with one flush that all of them wait for', async () => {
    const j = new KeyJournal(file(), N);
    j.set('a', 1);
    const first = j.durable();
    j.set('b', 2);
    expect(j.durable()).toBe(first);
    await first;
    expect(j.durable()).not.toBe(first); // a later turn gets a flush of its own
    j.close();
  });
});
