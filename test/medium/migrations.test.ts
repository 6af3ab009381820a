import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryPartition, partitionOf } from '@lifeline/domain';
import { harness, noLoss } from '../support/harness';
import { openTestStore, querySql, runSql } from '../support/test-store';

const VILLAGE = '330102001001';
const noReplies = (c: Parameters<typeof noLoss>[0]) => {
  noLoss(c);
  c.channels.forEach((ch) => (ch.simulator.replyProbability = 0));
};

/** Migrations meet databases written by older versions: what they fill in must match the machine. */
describe('migrations over a database of an older version', () => {
  it('marks final deliveries final, and a delivered one still waiting for its answer open', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lifeline-migrate-')), 'old.db');
    let h = await harness({ db, tweak: noReplies });
    const waiting = await h.order({ to: { areas: [VILLAGE] }, ackRequired: true });
    const notice = await h.order({ to: { areas: [VILLAGE] }, ackRequired: false });
    await h.advance(60_000);
    // Both show `delivered`: one waits for its answer, the other is done.
    expect((await h.store.read.deliveries.countsByStatus(waiting.orderId))).toEqual({ delivered: waiting.deliveries });
    expect((await h.store.read.deliveries.countsByStatus(notice.orderId))).toEqual({ delivered: notice.deliveries });
    const at = h.clock.now();
    await h.close();

    // As the version before the column wrote it.
    const old = await openTestStore(db);
    await runSql(old.store, 'ALTER TABLE deliveries DROP COLUMN final_at');
    await runSql(old.store, "DELETE FROM migrations WHERE name = 'FinalDeliveries1767744000000'");
    await old.store.close();

    h = await harness({ db, tweak: noReplies, clockAt: at });
    const finalOf = async (orderId: string) =>
      (await querySql<{ final_at: number | null }>(h.store, 'SELECT final_at FROM deliveries WHERE order_id = ?', orderId)).map((r) => r.final_at !== null);
    expect((await finalOf(waiting.orderId)).every((f) => !f)).toBe(true);
    expect((await finalOf(notice.orderId)).every((f) => f)).toBe(true);
    expect((await h.store.read.deliveries.openCounts()).reduce((n, r) => n + r.n, 0)).toBe(waiting.deliveries);
    await h.close();
  });

  it('gives the people, timers and open deliveries of an older version their work partitions', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lifeline-migrate-')), 'old.db');
    let h = await harness({ db, tweak: noReplies });
    const waiting = await h.order({ to: { areas: [VILLAGE] }, ackRequired: true });
    const notice = await h.order({ to: { areas: [VILLAGE] }, ackRequired: false });
    await h.advance(60_000); // delivered: the first order's each waiting for its answer on a timer, the second's final
    const at = h.clock.now();
    await h.close();

    const old = await openTestStore(db);
    for (const table of ['people', 'deliveries', 'timers']) await runSql(old.store, `ALTER TABLE ${table} DROP COLUMN partition`);
    await runSql(old.store, "DELETE FROM migrations WHERE name = 'WorkPartitions1768348800000'");
    await old.store.close();

    h = await harness({ db, tweak: noReplies, clockAt: at });
    const rows = async (sql: string, ...params: string[]) => querySql<{ of: string; partition: number | null }>(h.store, sql, ...params);
    const people = await rows('SELECT id AS of, partition FROM people');
    const deliveries = await rows('SELECT person_id AS of, partition FROM deliveries WHERE order_id = ?', waiting.orderId);
    const timers = await rows('SELECT delivery_id AS of, partition FROM timers');
    expect(deliveries.length).toBe(waiting.deliveries);
    // Final deliveries are never read by partition: theirs is not written.
    expect((await rows('SELECT person_id AS of, partition FROM deliveries WHERE order_id = ?', notice.orderId)).every((r) => r.partition === null)).toBe(true);
    expect(timers.length).toBeGreaterThan(0);
    expect(new Set(people.map((r) => r.partition)).size).toBeGreaterThan(1);
    for (const r of [...people, ...deliveries]) expect(r.partition).toBe(partitionOf(r.of));
    for (const r of timers) expect(r.partition).toBe(deliveryPartition(r.of));
    await h.close();
  });
});
