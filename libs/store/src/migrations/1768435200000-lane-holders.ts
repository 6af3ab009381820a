import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './dialect';

/**
 * Which node carries out each lane of the active node's delivery work (PostgreSQL): the active
 * node hands lanes to other nodes of the cluster and takes them back. `epoch` (bumped by every
 * grant) and `key` (random, new at every grant) fence: a node writes a lane's rows only while the
 * row names it at the epoch and key its job came with, so a node given up on writes nothing more.
 * `lanes` is how many lanes the active node divides the partitions into: with the lane's index it
 * says which partitions a grant covers. SQLite has one process per file and no such rows.
 */
export class LaneHolders1768435200000 implements MigrationInterface {
  name = 'LaneHolders1768435200000';

  async up(q: QueryRunner): Promise<void> {
    if (!isPostgres(q)) return;
    await q.query(`CREATE TABLE lane_holders (
      lane integer PRIMARY KEY,
      lanes integer NOT NULL,
      node varchar COLLATE "C" NOT NULL,
      epoch bigint NOT NULL,
      key varchar COLLATE "C" NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isPostgres(q)) return;
    await q.query('DROP TABLE lane_holders');
  }
}
