import type { SqlRunner } from './sql';

/** The meta row naming the directory in the database: the sha256 of the file it was loaded from. */
export const DIRECTORY_HASH = 'directory_sha256';

export class MetaRepo {
  constructor(private readonly db: SqlRunner) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', key))?.value;
  }

  async set(key: string, value: string): Promise<void> {
    if ((await this.db.run('UPDATE meta SET value = ? WHERE key = ?', value, key)) === 0) await this.db.run('INSERT INTO meta (key, value) VALUES (?, ?)', key, value);
  }
}
