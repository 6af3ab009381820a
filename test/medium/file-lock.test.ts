import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseInUseError, lockDatabaseFile } from '@lifeline/store';

/** One writer per database file, however the file is named. */
describe('the database file lock', () => {
  it('is one lock for one file, reached directly, through symbolic links or through ..', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-lock-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'router.db'), '');
    symlinkSync(join(dir, 'data'), join(dir, 'link'));
    symlinkSync(join(dir, 'data', 'router.db'), join(dir, 'alias.db')); // the lock must not be alias.db.lock
    const held = lockDatabaseFile(join(dir, 'data', 'router.db'));
    expect(() => lockDatabaseFile(join(dir, 'alias.db'))).toThrow(DatabaseInUseError);
    expect(() => lockDatabaseFile(join(dir, 'link', 'router.db'))).toThrow(DatabaseInUseError);
    expect(() => lockDatabaseFile(join(dir, 'data', '..', 'data', 'router.db'))).toThrow(DatabaseInUseError);
    held.release();
    lockDatabaseFile(join(dir, 'link', 'router.db')).release(); // released: free again
  });
});
