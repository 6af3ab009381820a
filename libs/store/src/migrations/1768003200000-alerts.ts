import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

/**
 * Alerts received in a standard format (CAP 1.2, GB/T 35965.1): kept whole, with the answer given, so a repeat
 * of the same message is answered the same and changes nothing; and the orders each one made,
 * so an update or a cancel finds them and an order links back to its alert.
 */
export class Alerts1768003200000 implements MigrationInterface {
  name = 'Alerts1768003200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'alerts',
        columns: [
          { name: 'sender', type: 'varchar', isPrimary: true },
          { name: 'identifier', type: 'varchar', isPrimary: true },
          /** `cap` (CAP 1.2) or `gbt35965` (GB/T 35965.1): how `xml` is read again. */
          { name: 'format', type: 'varchar' },
          { name: 'sent', type: 'varchar' },
          { name: 'msg_type', type: 'varchar' },
          { name: 'received_at', type: 'bigint' },
          { name: 'console_id', type: 'varchar' },
          { name: 'sha256', type: 'varchar' },
          { name: 'xml', type: 'text' },
          { name: 'receipt', type: 'text' },
        ],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'alert_orders',
        columns: [
          { name: 'order_id', type: 'varchar', isPrimary: true },
          { name: 'sender', type: 'varchar' },
          { name: 'identifier', type: 'varchar' },
          { name: 'info', type: 'bigint' },
          { name: 'area', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'alert_orders_alert', columnNames: ['sender', 'identifier'] })],
      })),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('alert_orders', true);
    await q.dropTable('alerts', true);
  }
}
