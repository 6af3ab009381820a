import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

/** Relay missions are rows: a router restarted mid-flight knows the drone is on its way. */
export class RelayMissions1767398400000 implements MigrationInterface {
  name = 'RelayMissions1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'relay_missions',
        columns: [
          // One mission per resource at a time.
          { name: 'resource', type: 'varchar', isPrimary: true },
          { name: 'area', type: 'varchar' },
          { name: 'arrive_at', type: 'bigint' },
          { name: 'leave_at', type: 'bigint' },
        ],
      })),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('relay_missions', true);
  }
}
