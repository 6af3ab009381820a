import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

/**
 * The last published state of each channel per area, written with its `channel` event: a restarted
 * router knows what consoles were last told, and tells them only what changed since.
 */
export class ChannelStates1767657600000 implements MigrationInterface {
  name = 'ChannelStates1767657600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'channel_states',
        columns: [
          { name: 'channel', type: 'varchar', isPrimary: true },
          { name: 'area', type: 'varchar', isPrimary: true },
          { name: 'state', type: 'varchar' },
          { name: 'since', type: 'bigint' },
        ],
      })),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('channel_states', true);
  }
}
