import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '@lifeline/store';
import { ON_POSTGRES, openTestStore, runSql, sqliteOf } from '../support/test-store';

/**
 * An order's counts, as the console's order board asks for them with every page (medium tier, a
 * real SQLite file or PostgreSQL schema): by contract status and by area, of that order only,
 * read from the index of deliveries by order, status and area.
 */
describe("an order's counts for the order board", () => {
  let dir: string;
  let store: Storage;
  let close: () => Promise<void>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-counts-'));
    ({ store, close } = await openTestStore(ON_POSTGRES ? undefined : join(dir, 'db.sqlite')));
  });
  afterEach(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deliveries = async (orderId: string, rows: [area: string, status: string, n: number][]) => {
    let i = 0;
    for (const [area, status, n] of rows)
      for (let k = 0; k < n; k++, i++)
        await runSql(
          store,
          `INSERT INTO deliveries (id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, machine, channel, attempt, updated_at)
           VALUES (?, ?, ?, ?, ?, '{}', 0, 0, ?, NULL, NULL, 0, 0)`,
          `${orderId}:p${i}`, orderId, `p${i}`, area, `/${area}/`, status,
        );
  };

  it('counts one order by contract status (not started counts as queued) and by area, and nothing of another order', async () => {
    // o1 and o10: o1's id range is not a prefix of o10's, but a careless one would be.
    await deliveries('o1', [['a1', 'new', 2], ['a1', 'queued', 1], ['a1', 'delivered', 3], ['a2', 'acknowledged', 4], ['a2', 'new', 1]]);
    await deliveries('o10', [['a1', 'failed', 5], ['a2', 'new', 7]]);
    expect(await store.read.deliveries.countsByStatus('o1')).toEqual({ queued: 4, delivered: 3, acknowledged: 4 });
    expect(await store.read.deliveries.countsByStatus('o10')).toEqual({ failed: 5, queued: 7 });
    expect(await store.read.deliveries.countsByStatus()).toEqual({ queued: 11, delivered: 3, acknowledged: 4, failed: 5 });
    const byArea = (await store.read.deliveries.countsByArea('o1')).sort((x, y) => `${x.area}${x.status}`.localeCompare(`${y.area}${y.status}`));
    expect(byArea).toEqual([
      { area: 'a1', status: 'delivered', n: 3 },
      { area: 'a1', status: 'queued', n: 3 },
      { area: 'a2', status: 'acknowledged', n: 4 },
      { area: 'a2', status: 'queued', n: 1 },
    ]);
  });

  it('reads the counts from the index alone, not the rows (each about 500 bytes with its machine)', async () => {
    if (ON_POSTGRES) return; // the plans below are SQLite's
    await deliveries('o1', [['a1', 'new', 2], ['a2', 'delivered', 2]]);
    // The statements the repository runs, each explained with its own parameters.
    const runner = (store.read.deliveries as unknown as { db: { all: (sql: string, ...params: unknown[]) => Promise<unknown[]> } }).db;
    const statements: [string, unknown[]][] = [];
    const all = runner.all.bind(runner);
    jest.spyOn(runner, 'all').mockImplementation((sql, ...params) => (statements.push([sql, params]), all(sql, ...params)));
    await store.read.deliveries.countsByStatus('o1');
    await store.read.deliveries.countsByArea('o1');
    expect(statements).toHaveLength(2);
    for (const [sql, params] of statements) {
      const plan = sqliteOf(store).db.sql.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...(params as string[]));
      expect(plan.map((p) => p.detail).join(' ')).toContain('COVERING INDEX deliveries_order_status');
    }
  });
});
