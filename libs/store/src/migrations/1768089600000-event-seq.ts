import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './dialect';

/**
 * The last event seq handed out, as a row of its own (PostgreSQL): a writer takes its numbers by
 * updating it, which locks it until the writer's transaction ends. So seqs stay gapless (a
 * rollback gives its numbers back) and in commit order (a second writer waits for the first to
 * commit) whoever writes: the ground for several writers (docs/WORK-SHARING.md). Before, the next
 * seq was `MAX(seq) + 1`, right for one writer only. SQLite has one writer per file and keeps it.
 */
export class EventSeq1768089600000 implements MigrationInterface {
  name = 'EventSeq1768089600000';

  async up(q: QueryRunner): Promise<void> {
    if (!isPostgres(q)) return;
    await q.query('CREATE TABLE event_seq (id integer PRIMARY KEY CHECK (id = 1), last bigint NOT NULL)');
    await q.query('INSERT INTO event_seq (id, last) SELECT 1, COALESCE(MAX(seq), 0) FROM events');
  }

  async down(q: QueryRunner): Promise<void> {
    if (isPostgres(q)) await q.query('DROP TABLE event_seq');
  }
}
