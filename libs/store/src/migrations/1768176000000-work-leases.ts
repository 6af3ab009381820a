import { WORK_PARTITIONS } from '@lifeline/domain';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './dialect';

/**
 * Leases on partitions of the delivery work (PostgreSQL), for nodes that share it: one row per
 * partition, naming the node that holds it, until when, and an epoch that every claim bumps (the
 * fencing token: a node writes a partition's rows only while the row still carries its epoch).
 * `work_nodes` is who is alive, so that each node knows its fair share. SQLite has one process
 * per file and no such rows. Design: docs/WORK-SHARING.md.
 */
export class WorkLeases1768176000000 implements MigrationInterface {
  name = 'WorkLeases1768176000000';

  async up(q: QueryRunner): Promise<void> {
    if (!isPostgres(q)) return;
    await q.query(`CREATE TABLE work_leases (
      partition integer PRIMARY KEY,
      node varchar COLLATE "C",
      epoch bigint NOT NULL DEFAULT 0,
      expires_at timestamptz
    )`);
    await q.query('INSERT INTO work_leases (partition) SELECT generate_series(0, $1 - 1)', [WORK_PARTITIONS]);
    await q.query('CREATE TABLE work_nodes (node varchar COLLATE "C" PRIMARY KEY, seen_at timestamptz NOT NULL)');
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isPostgres(q)) return;
    await q.query('DROP TABLE work_nodes');
    await q.query('DROP TABLE work_leases');
  }
}
