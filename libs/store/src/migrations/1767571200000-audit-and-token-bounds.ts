import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

/**
 * The audit trail (who did what, when), kept beside the orders it speaks of; gateway tokens may
 * name the gateway ids they speak for. Token areas: `null` is every area, a list is those areas;
 * tokens made before this migration stored every area as `[]`, and keep that meaning as `null`.
 */
export class AuditAndTokenBounds1767571200000 implements MigrationInterface {
  name = 'AuditAndTokenBounds1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'audit',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'at', type: 'bigint' },
          { name: 'actor_id', type: 'varchar' },
          { name: 'actor_name', type: 'varchar' },
          { name: 'actor_role', type: 'varchar' },
          { name: 'address', type: 'varchar', isNullable: true },
          { name: 'action', type: 'varchar' },
          { name: 'subject', type: 'varchar', isNullable: true },
          { name: 'detail', type: 'varchar' },
        ],
        indices: [
          new TableIndex({ name: 'audit_action', columnNames: ['action', 'id'] }),
          new TableIndex({ name: 'audit_actor', columnNames: ['actor_id', 'id'] }),
          new TableIndex({ name: 'audit_at', columnNames: ['at'] }),
        ],
      })),
    );
    await q.addColumn('tokens', new TableColumn({ name: 'gateway_ids', type: 'varchar', isNullable: true }));
    await q.query(`UPDATE tokens SET areas = 'null' WHERE areas = '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE tokens SET areas = '[]' WHERE areas = 'null'`);
    await q.dropColumn('tokens', 'gateway_ids');
    await q.dropTable('audit', true);
  }
}
