import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { byteOrdered } from './dialect';

const text = (name: string, extra: Partial<{ isNullable: boolean; isPrimary: boolean; length: string }> = {}) => ({
  name,
  type: 'varchar',
  isNullable: false,
  ...extra,
});
const int = (name: string, extra: Partial<{ isNullable: boolean; isPrimary: boolean; default: number }> = {}) => ({
  name,
  type: 'bigint',
  isNullable: false,
  ...extra,
});

/**
 * Built with TypeORM's schema API rather than SQL text, so the same migration runs on SQLite and
 * PostgreSQL. Times are epoch milliseconds (bigint): comparisons in SQL stay numeric everywhere.
 */
export class Initial1767225600000 implements MigrationInterface {
  name = 'Initial1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'areas',
        columns: [text('code', { isPrimary: true }), text('name'), text('parent', { isNullable: true }), text('path'), int('depth')],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'people',
        columns: [text('id', { isPrimary: true }), text('name'), text('area'), text('area_path'), text('roles'), text('terminals')],
        indices: [new TableIndex({ name: 'people_area_path', columnNames: ['area_path'] })],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'person_roles',
        columns: [text('person_id', { isPrimary: true }), text('role', { isPrimary: true })],
        indices: [new TableIndex({ name: 'person_roles_role', columnNames: ['role', 'person_id'] })],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'terminals',
        columns: [text('kind', { isPrimary: true }), text('address', { isPrimary: true }), text('person_id')],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'orders',
        columns: [
          text('id', { isPrimary: true }),
          text('ref'),
          text('console_id'),
          text('client_ref'),
          text('priority'),
          int('priority_rank'),
          text('body'),
          text('summary', { isNullable: true }),
          int('ack_required'),
          int('ack_within_s'),
          int('ttl_s'),
          int('created_at'),
          int('expires_at'),
          text('target'),
          text('scope_path'),
          int('deliveries'),
          int('open_count'),
          int('cancelled', { default: 0 }),
          int('seq'),
        ],
        indices: [
          new TableIndex({ name: 'orders_client_ref', columnNames: ['console_id', 'client_ref'], isUnique: true }),
          new TableIndex({ name: 'orders_ref', columnNames: ['ref', 'open_count'] }),
        ],
      })),
    );
    // Delivery ids are `<orderId>:<personId>`, so an order's deliveries are a primary-key range.
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'deliveries',
        columns: [
          text('id', { isPrimary: true }),
          text('order_id'),
          text('person_id'),
          text('area'),
          text('area_path'),
          text('terminals'),
          int('priority_rank'),
          int('expires_at'),
          text('status'),
          text('machine', { isNullable: true }),
          text('channel', { isNullable: true }),
          int('attempt', { default: 0 }),
          int('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'deliveries_status_rank', columnNames: ['status', 'priority_rank', 'expires_at'] }),
          new TableIndex({ name: 'deliveries_status_area', columnNames: ['status', 'area_path'] }),
          new TableIndex({ name: 'deliveries_person', columnNames: ['person_id'] }),
        ],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'attempts',
        columns: [
          text('id', { isPrimary: true }),
          text('delivery_id'),
          int('attempt'),
          text('channel'),
          text('area'),
          text('address'),
          text('status'),
          int('at'),
          text('detail', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'attempts_delivery', columnNames: ['delivery_id'] })],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'events',
        columns: [
          int('seq', { isPrimary: true }),
          text('type'),
          int('at'),
          text('order_id', { isNullable: true }),
          text('area_path', { isNullable: true }),
          text('payload'),
        ],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'timers',
        columns: [text('delivery_id', { isPrimary: true }), text('name', { isPrimary: true }), int('epoch'), int('due_at')],
        indices: [new TableIndex({ name: 'timers_due', columnNames: ['due_at'] })],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({
        name: 'tokens',
        columns: [
          text('id', { isPrimary: true }),
          text('name'),
          text('role'),
          text('hash'),
          text('areas'),
          text('channel', { isNullable: true }),
          int('created_at'),
          int('revoked_at', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'tokens_hash', columnNames: ['hash'], isUnique: true })],
      })),
    );
    await q.createTable(
      byteOrdered(q, new Table({ name: 'meta', columns: [text('key', { isPrimary: true }), text('value')] })),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['meta', 'tokens', 'timers', 'events', 'attempts', 'deliveries', 'orders', 'terminals', 'person_roles', 'people', 'areas'])
      await q.dropTable(t, true);
  }
}
