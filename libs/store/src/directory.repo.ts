import { AreaTree, partitionOf, type Area, type AreaGeometry, type BBox, type LonLat, type Person, type TerminalKind, type Terminals } from '@lifeline/domain';
import { chunks, containsText, insertMany, placeholders, withinSubtrees, type Param, type SqlRunner } from './sql';

interface PersonRow {
  id: string;
  name: string;
  area: string;
  roles: string;
  terminals: string;
  lon: number | null;
  lat: number | null;
}

const PERSON_COLUMNS = 'id, name, area, roles, terminals, lon, lat';

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  area: r.area,
  roles: JSON.parse(r.roles) as string[],
  terminals: JSON.parse(r.terminals) as Terminals,
  ...(r.lon !== null && r.lat !== null ? { location: [Number(r.lon), Number(r.lat)] as LonLat } : {}),
});

/** A person with a location, as a geofence's candidates are read. */
export interface LocatedPerson {
  id: string;
  area: string;
  lon: number;
  lat: number;
}

/** People inserted per round of multi-row statements while a directory loads. */
const LOAD_BATCH = 1_000;

/** The directory lives in the database so that a million-person area is resolved in SQL. */
export class DirectoryRepo {
  constructor(private readonly db: SqlRunner) {}

  /** Replaces the whole directory; call inside a write job. */
  async replace(areas: readonly Area[], people: Iterable<Person>, onProgress?: (n: number) => void): Promise<number> {
    const tree = new AreaTree(areas);
    for (const t of ['areas', 'people', 'person_roles', 'terminals']) await this.db.run(`DELETE FROM ${t}`);
    await insertMany(
      this.db,
      'INSERT INTO areas (code, name, parent, path, depth, geometry)',
      ['text', 'text', 'text', 'text', 'bigint', 'text'],
      areas.map((a) => [a.code, a.name, a.parent, tree.path(a.code), tree.depth(a.code), a.geometry ? JSON.stringify(a.geometry) : null]),
    );
    let n = 0;
    let batch: Person[] = [];
    const flush = async () => {
      await insertMany(this.db, 'INSERT INTO people (id, name, area, area_path, roles, terminals, lon, lat, partition)',
        ['text', 'text', 'text', 'text', 'text', 'text', 'float8', 'float8', 'integer'],
        batch.map((p) => [p.id, p.name, p.area, tree.path(p.area), JSON.stringify(p.roles), JSON.stringify(p.terminals), p.location?.[0] ?? null, p.location?.[1] ?? null, partitionOf(p.id)]),
      );
      await insertMany(this.db, 'INSERT INTO person_roles (person_id, role)', ['text', 'text'], batch.flatMap((p) => [...new Set(p.roles)].map((role): Param[] => [p.id, role])));
      await insertMany(
        this.db,
        'INSERT INTO terminals (kind, address, person_id)',
        ['text', 'text', 'text'],
        batch.flatMap((p) => Object.entries(p.terminals).flatMap(([kind, address]): Param[][] => (address ? [[kind, address, p.id]] : []))),
      );
      batch = [];
    };
    for (const p of people) {
      batch.push(p);
      if (batch.length === LOAD_BATCH) await flush();
      if (++n % 50_000 === 0) onProgress?.(n);
    }
    await flush();
    return n;
  }

  async areas(): Promise<Area[]> {
    const rows = await this.db.all<{ code: string; name: string; parent: string | null; geometry: string | null }>('SELECT code, name, parent, geometry FROM areas ORDER BY path');
    return rows.map((r) => ({ code: r.code, name: r.name, parent: r.parent, ...(r.geometry ? { geometry: JSON.parse(r.geometry) as AreaGeometry } : {}) }));
  }

  /** People located in the box (one range of the location index), within the subtrees at `within` (null: everywhere), in no order. */
  async locatedIn([west, south, east, north]: BBox, within: readonly string[] | null = null): Promise<LocatedPerson[]> {
    const scope = withinSubtrees('area_path', within);
    // Both drivers answer double precision as numbers (pg parses float8): the rows go out as read.
    return this.db.all<LocatedPerson>(`SELECT id, area, lon, lat FROM people WHERE lon >= ? AND lon <= ? AND lat >= ? AND lat <= ?${scope.sql}`, west, east, south, north, ...scope.params);
  }

  /**
   * The roles of the people within the subtrees at `within` (null: everywhere), with how many
   * have each: a composer offers every role of a million-person directory, not those of a page.
   */
  async roles(within: readonly string[] | null): Promise<{ role: string; people: number }[]> {
    const scope = withinSubtrees('p.area_path', within);
    const rows =
      within === null
        ? await this.db.all<{ role: string; people: number }>('SELECT role, COUNT(*) AS people FROM person_roles GROUP BY role')
        : await this.db.all<{ role: string; people: number }>(
            `SELECT r.role AS role, COUNT(*) AS people FROM person_roles r JOIN people p ON p.id = r.person_id WHERE 1 = 1${scope.sql} GROUP BY r.role`,
            ...scope.params,
          );
    // Sorted here: the two databases collate names differently.
    return rows.map((r) => ({ role: r.role, people: Number(r.people) })).sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
  }

  /** A page of people within the subtrees at `within` (null: all), whose name or id contains `text` if given. */
  async people(limit = 100_000, afterId = '', within: readonly string[] | null = null, text?: string): Promise<Person[]> {
    const scope = withinSubtrees('area_path', within);
    const search = containsText(['name', 'id'], text);
    const rows = await this.db.all<PersonRow>(
      `SELECT ${PERSON_COLUMNS} FROM people WHERE id > ?${scope.sql}${search.sql} ORDER BY id LIMIT ?`,
      afterId, ...scope.params, ...search.params, limit,
    );
    return rows.map(toPerson);
  }

  async person(id: string): Promise<Person | undefined> {
    const r = await this.db.get<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people WHERE id = ?`, id);
    return r && toPerson(r);
  }

  /** The area of each person among `ids` that exists; the others are missing from the map. */
  async areasOf(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const c of chunks(ids))
      for (const r of await this.db.all<{ id: string; area: string }>(`SELECT id, area FROM people WHERE id IN (${placeholders(c.length)})`, ...c)) out.set(r.id, r.area);
    return out;
  }

  async areaOfTerminal(kind: TerminalKind, address: string): Promise<string | undefined> {
    return (await this.db.get<{ area: string }>('SELECT p.area FROM terminals t JOIN people p ON p.id = t.person_id WHERE t.kind = ? AND t.address = ?', kind, address))?.area;
  }

  async byTerminal(kind: TerminalKind, address: string): Promise<string | undefined> {
    return (await this.db.get<{ person_id: string }>('SELECT person_id FROM terminals WHERE kind = ? AND address = ?', kind, address))?.person_id;
  }
}
