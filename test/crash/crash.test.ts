import { join } from 'node:path';
import Database from 'better-sqlite3';
import { killChildren, startChild, tempDir } from '../support/child';
import { ADMIN, crashConfig, crashRun, type CrashRows, type Deployment } from '../support/crash-run';

const KILLS = Number(process.env.CRASH_KILLS ?? 20);

/** One router on a SQLite file, started again after each kill. */
function sqliteRouter(): Deployment {
  const dir = tempDir();
  const db = join(dir, 'crash.db');
  const env = { LIFELINE_DB: db, LIFELINE_CONFIG: crashConfig(dir), LIFELINE_ADMIN_TOKEN: ADMIN };
  return {
    next: () => startChild(env),
    diedAsExpected: (e) => e.signal === 'SIGKILL',
    rows: async () => {
      const check = new Database(db, { readonly: true });
      try {
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        return {
          orders: check.prepare('SELECT id, client_ref, ack_required, ttl_s, created_at, deliveries FROM orders').all() as CrashRows['orders'],
          events: check.prepare('SELECT seq, type, payload FROM events ORDER BY seq').all() as CrashRows['events'],
          deliveryIds: (check.prepare('SELECT id FROM deliveries ORDER BY id').all() as { id: string }[]).map((d) => d.id),
        };
      } finally {
        check.close();
      }
    },
  };
}

describe('crash: SIGKILL at random moments during bursts and outages (router as a child process)', () => {
  afterAll(() => killChildren());

  it(`loses nothing over ${KILLS} kills and a SIGTERM: orders, clientRefs, final receipts, integrity`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? 20_261_123);
    try {
      await crashRun(sqliteRouter(), seed, KILLS);
    } catch (e) {
      throw new Error(`crash seed ${seed} failed (replay: CRASH_SEED=${seed}): ${(e as Error).message}`);
    }
  }, 300_000 + KILLS * 10_000);
});
