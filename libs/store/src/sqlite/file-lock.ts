import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DatabaseInUseError } from '../database-in-use';

/**
 * One writer per database file, across processes: an exclusive SQLite lock on a small file beside
 * the database, held for the life of the process. The lock is the operating system's (POSIX
 * advisory locks, which SQLite uses), so it goes when its holder dies, even by SIGKILL: a crashed
 * router never blocks its own restart. The database itself stays readable by others (backups,
 * the sqlite3 shell), which an exclusive lock on it would forbid.
 */
export function lockDatabaseFile(path: string): { release(): void } {
  const lockPath = `${realPath(path)}.lock`;
  const db = new BetterSqlite3(lockPath, { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY')
      throw new DatabaseInUseError(`${path} is in use by another Lifeline process (it holds ${lockPath}); stop that one first, or give this one its own LIFELINE_DB`);
    throw e;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}

/** One name per file: two routers reaching it through a symbolic link or `..` still meet at one lock. */
function realPath(path: string): string {
  const full = resolve(path);
  return existsSync(full) ? realpathSync(full) : join(realpathSync(dirname(full)), basename(full));
}
