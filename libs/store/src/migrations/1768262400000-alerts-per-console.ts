import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An alert received is kept per token (console) that posted it: the same alert posted by two
 * county desks makes each its own orders, within its own areas, and each is answered with its
 * own receipt. Keyed by sender and identifier alone, the second desk got the first's receipt
 * (order ids and counts from another scope) and its county no order.
 */
export class AlertsPerConsole1768262400000 implements MigrationInterface {
  name = 'AlertsPerConsole1768262400000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropPrimaryKey('alerts');
    await q.createPrimaryKey('alerts', ['sender', 'identifier', 'console_id']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropPrimaryKey('alerts');
    await q.createPrimaryKey('alerts', ['sender', 'identifier']);
  }
}
