import { createHash } from 'node:crypto';
import type { Store } from '@lifeline/store';

/** A hash of every row of every table: equal digests mean the database did not change. */
export function digest(store: Store): string {
  const sql = store.db.sql;
  const h = createHash('sha256');
  for (const { name } of sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    h.update(`\u0000${name}\u0000`);
    for (const row of sql.all<Record<string, unknown>>(`SELECT * FROM "${name}"`).map((r) => JSON.stringify(r)).sort()) h.update(row);
  }
  return h.digest('hex');
}
