import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './dialect';

/**
 * The writer lease of a PostgreSQL database (one row): which node writes, since which epoch, on
 * which server session, and when it last said it was alive. The advisory lock is what excludes a
 * second writer; this row is what lets a standby tell a dead or cut-off writer from a busy one,
 * and lets a writer that lost its session tell whether another wrote meanwhile. SQLite has one
 * process per file (the file lock) and no standby, so it has no such row.
 */
export class WriterLease1767830400000 implements MigrationInterface {
  name = 'WriterLease1767830400000';

  async up(q: QueryRunner): Promise<void> {
    if (!isPostgres(q)) return;
    await q.query(`CREATE TABLE writer_lease (
      id integer PRIMARY KEY CHECK (id = 1),
      epoch bigint NOT NULL,
      node varchar COLLATE "C" NOT NULL,
      backend_pid integer NOT NULL,
      heartbeat_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (isPostgres(q)) await q.query('DROP TABLE writer_lease');
  }
}
