import { isFinalValue, OPEN_STORED_STATUSES, upgradeStored, type StoredDelivery } from '@lifeline/machines';
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { inDialect } from './dialect';

/**
 * When a delivery reached its final state (null while open). The status column cannot tell: a
 * delivery that must be answered shows `delivered` while it waits, and one that need not be ends
 * `delivered`; open work (a bare "1", open counts, a cancel) must tell them apart.
 */
export class FinalDeliveries1767744000000 implements MigrationInterface {
  name = 'FinalDeliveries1767744000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('deliveries', new TableColumn({ name: 'final_at', type: 'bigint', isNullable: true }));
    const open = OPEN_STORED_STATUSES.map((s) => `'${s}'`).join(', ');
    await q.query(`UPDATE deliveries SET final_at = updated_at WHERE status NOT IN (${open})`);
    // Only the machine knows whether a `delivered` one is done or waits for its answer: page by id.
    for (let after = ''; ; ) {
      const rows: { id: string; machine: string | null; updated_at: number }[] = await q.query(
        inDialect(q, "SELECT id, machine, updated_at FROM deliveries WHERE status = 'delivered' AND id > ? ORDER BY id LIMIT 1000"),
        [after],
      );
      if (!rows.length) break;
      for (const r of rows)
        if (r.machine && isFinalValue(upgradeStored(JSON.parse(r.machine) as StoredDelivery).value))
          await q.query(inDialect(q, 'UPDATE deliveries SET final_at = ? WHERE id = ?'), [r.updated_at, r.id]);
      after = rows[rows.length - 1].id;
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('deliveries', 'final_at');
  }
}
