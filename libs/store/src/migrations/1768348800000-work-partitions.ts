import { deliveryPartition, partitionOf } from '@lifeline/domain';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { inDialect, isPostgres } from './dialect';

const PAGE = 10_000;

/**
 * The work partition (`partitionOf` of the person) on people, deliveries and timers, so that a
 * writer reads only the new deliveries and due timers of its partitions: several writers, each
 * over its own share, then never step the same delivery. People get it when the directory is
 * loaded, and deliveries copy it from their person; rows of before are filled here, page by page:
 * people, timers and the deliveries still open. A final delivery is never read by partition, and
 * a database may hold millions of them: theirs stays NULL (not known), rather than rewrite them
 * all while the table is locked. `ALTER TABLE … ADD COLUMN` alone rewrites nothing.
 */
export class WorkPartitions1768348800000 implements MigrationInterface {
  name = 'WorkPartitions1768348800000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['people', 'timers']) await q.query(`ALTER TABLE ${table} ADD COLUMN partition integer NOT NULL DEFAULT 0`);
    await q.query('ALTER TABLE deliveries ADD COLUMN partition integer');
    await fill(q, 'people', 'id', 'id');
    await fill(q, 'deliveries', 'id', 'person_id', false, ' AND final_at IS NULL');
    await fill(q, 'timers', 'delivery_id', 'delivery_id', true);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['timers', 'deliveries', 'people']) await q.query(`ALTER TABLE ${table} DROP COLUMN partition`);
  }
}

/**
 * Sets `partition` on the rows of `table` (`where` them), by `of` (a person id, or a delivery
 * id), a page at a time in key order, one UPDATE per partition found in the page.
 */
async function fill(q: QueryRunner, table: string, key: string, of: string, ofDelivery = false, where = ''): Promise<void> {
  const bytes = isPostgres(q) ? ' COLLATE "C"' : '';
  for (let after = ''; ; ) {
    const rows: Record<string, string>[] = await q.query(inDialect(q, `SELECT DISTINCT ${key} AS k, ${of} AS o FROM ${table} WHERE ${key}${bytes} > ?${where} ORDER BY 1 LIMIT ${PAGE}`), [after]);
    if (!rows.length) return;
    const byPartition = new Map<number, string[]>();
    for (const r of rows) {
      const p = ofDelivery ? deliveryPartition(r.o) : partitionOf(r.o);
      let ids = byPartition.get(p);
      if (!ids) byPartition.set(p, (ids = []));
      ids.push(r.k);
    }
    for (const [p, ids] of byPartition)
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        await q.query(inDialect(q, `UPDATE ${table} SET partition = ${p} WHERE ${key} IN (${part.map(() => '?').join(', ')})`), part);
      }
    after = rows[rows.length - 1].k;
  }
}
