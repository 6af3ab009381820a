import type { Sql } from './sql';

export class MetaRepo {
  constructor(private readonly sql: Sql) {}

  get(key: string): string | undefined {
    return this.sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value;
  }

  set(key: string, value: string): void {
    if (this.sql.run('UPDATE meta SET value = ? WHERE key = ?', value, key) === 0)
      this.sql.run('INSERT INTO meta (key, value) VALUES (?, ?)', key, value);
  }
}
