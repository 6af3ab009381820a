import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The starter and the expiry sweep look only for `new` deliveries, so their index holds only
 * those: a delivery leaves it once, when it starts, instead of moving inside it at every status
 * change (sending, sent, delivered), which was index churn on every step of every delivery.
 * Partial indexes exist in PostgreSQL too.
 */
export class NewDeliveriesIndex1767484800000 implements MigrationInterface {
  name = 'NewDeliveriesIndex1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('deliveries', 'deliveries_status_rank');
    await q.createIndex('deliveries', new TableIndex({ name: 'deliveries_new_rank', columnNames: ['priority_rank', 'expires_at'], where: "status = 'new'" }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('deliveries', 'deliveries_new_rank');
    await q.createIndex('deliveries', new TableIndex({ name: 'deliveries_status_rank', columnNames: ['status', 'priority_rank', 'expires_at'] }));
  }
}
