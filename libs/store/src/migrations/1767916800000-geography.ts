import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isPostgres } from './dialect';

const nullableText = (name: string, q: QueryRunner) =>
  new TableColumn({ name, type: 'varchar', isNullable: true, ...(isPostgres(q) ? { collation: 'C' } : {}) });

/**
 * Geofences: where people are (longitude, latitude: a box is read from one index range, then each
 * candidate is tested exactly), what shape areas have (GeoJSON, read once into the area tree),
 * and how each delivery's person was matched by its order (listed, area, location, area shape).
 */
export class Geography1767916800000 implements MigrationInterface {
  name = 'Geography1767916800000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('people', [
      new TableColumn({ name: 'lon', type: 'double precision', isNullable: true }),
      new TableColumn({ name: 'lat', type: 'double precision', isNullable: true }),
    ]);
    await q.createIndex('people', new TableIndex({ name: 'people_location', columnNames: ['lon', 'lat'], where: 'lon IS NOT NULL' }));
    // The few without a location, by area: a fence over a town reads those, not the whole town.
    await q.createIndex('people', new TableIndex({ name: 'people_unlocated', columnNames: ['area_path'], where: 'lon IS NULL' }));
    await q.addColumn('areas', nullableText('geometry', q));
    await q.addColumn('deliveries', nullableText('matched', q));
    // The directory loaded before had nowhere to keep locations and shapes: load it again at start.
    await q.query("DELETE FROM meta WHERE key = 'directory_sha256'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('deliveries', 'matched');
    await q.dropColumn('areas', 'geometry');
    await q.dropIndex('people', 'people_unlocated');
    await q.dropIndex('people', 'people_location');
    await q.dropColumns('people', ['lon', 'lat']);
  }
}
