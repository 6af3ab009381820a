import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

/**
 * Which orders each order superseded (an alert's Update made it). A warning updated as a hazard
 * comes nearer (24 h, then 6 h, then 2 h) is a chain: the 2 h update names only the 6 h one, and
 * the people who answered the 24 h warning were left out of the 6 h one. Following these rows
 * back through the chain, the 2 h update leaves them out too instead of asking them again.
 */
export class OrderSupersedes1768525200000 implements MigrationInterface {
  name = 'OrderSupersedes1768525200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'order_supersedes',
        columns: [
          { name: 'order_id', type: 'varchar', isPrimary: true },
          { name: 'superseded_id', type: 'varchar', isPrimary: true },
        ],
        // A Cancel follows the chain forwards too (supersedersOf).
        indices: [{ name: 'order_supersedes_by_superseded', columnNames: ['superseded_id'] }],
      })),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('order_supersedes', true);
  }
}
