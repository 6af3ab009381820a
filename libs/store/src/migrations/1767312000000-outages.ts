import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

/** Drill outages are rows: a router killed mid-drill comes back to the same world. */
export class Outages1767312000000 implements MigrationInterface {
  name = 'Outages1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'outages',
        columns: [
          { name: 'id', type: 'varchar', isPrimary: true },
          { name: 'kind', type: 'varchar' },
          { name: 'area', type: 'varchar', isNullable: true },
          { name: 'channel', type: 'varchar', isNullable: true },
          { name: 'mode', type: 'varchar', isNullable: true },
          { name: 'loss', type: 'real', isNullable: true },
          { name: 'start_at', type: 'bigint' },
          { name: 'end_at', type: 'bigint', isNullable: true },
        ],
      })),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('outages', true);
  }
}
