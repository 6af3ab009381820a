import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * An order's deliveries by status and area, read from the index alone: the console's order board
 * asks for the order's counts with every page it shows (a duty-room screen, refreshed as receipts
 * come in), and its map for the counts by area. Read from the deliveries themselves (about 500
 * bytes a row with the machine), a 100,000-person order's counts took 50 ms of the router's
 * thread each time; from this index, 8 ms (bench `--only board`, docs/PERFORMANCE.md).
 */
export class OrderStatusIndex1768611600000 implements MigrationInterface {
  name = 'OrderStatusIndex1768611600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('deliveries', new TableIndex({ name: 'deliveries_order_status', columnNames: ['order_id', 'status', 'area'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('deliveries', 'deliveries_order_status');
  }
}
