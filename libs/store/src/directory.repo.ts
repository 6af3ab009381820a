import { AreaTree, type Area, type Person, type TerminalKind, type Terminals } from '@lifeline/domain';
import { chunks, placeholders, withinSubtrees, type Sql } from './sql';

interface PersonRow {
  id: string;
  name: string;
  area: string;
  roles: string;
  terminals: string;
}

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  area: r.area,
  roles: JSON.parse(r.roles) as string[],
  terminals: JSON.parse(r.terminals) as Terminals,
});

/** The directory lives in the database so that a million-person area is resolved in SQL. */
export class DirectoryRepo {
  constructor(private readonly sql: Sql) {}

  /** Replaces the whole directory; call inside a write job. */
  replace(areas: readonly Area[], people: Iterable<Person>, onProgress?: (n: number) => void): number {
    const tree = new AreaTree(areas);
    for (const t of ['areas', 'people', 'person_roles', 'terminals']) this.sql.run(`DELETE FROM ${t}`);
    for (const a of areas)
      this.sql.run('INSERT INTO areas (code, name, parent, path, depth) VALUES (?, ?, ?, ?, ?)', a.code, a.name, a.parent, tree.path(a.code), tree.depth(a.code));
    let n = 0;
    for (const p of people) {
      this.sql.run(
        'INSERT INTO people (id, name, area, area_path, roles, terminals) VALUES (?, ?, ?, ?, ?, ?)',
        p.id, p.name, p.area, tree.path(p.area), JSON.stringify(p.roles), JSON.stringify(p.terminals),
      );
      for (const role of new Set(p.roles)) this.sql.run('INSERT INTO person_roles (person_id, role) VALUES (?, ?)', p.id, role);
      for (const [kind, address] of Object.entries(p.terminals))
        if (address) this.sql.run('INSERT INTO terminals (kind, address, person_id) VALUES (?, ?, ?)', kind, address, p.id);
      if (++n % 50_000 === 0) onProgress?.(n);
    }
    return n;
  }

  areas(): Area[] {
    return this.sql.all<Area>('SELECT code, name, parent FROM areas ORDER BY path');
  }

  /** A page of people by id, of those within `within` (area paths; null: all). */
  people(limit = 100_000, afterId = '', within: readonly string[] | null = null): Person[] {
    const scope = withinSubtrees('area_path', within);
    return this.sql
      .all<PersonRow>(`SELECT id, name, area, roles, terminals FROM people WHERE id > ?${scope.sql} ORDER BY id LIMIT ?`, afterId, ...scope.params, limit)
      .map(toPerson);
  }

  person(id: string): Person | undefined {
    const r = this.sql.get<PersonRow>('SELECT id, name, area, roles, terminals FROM people WHERE id = ?', id);
    return r && toPerson(r);
  }

  /** The area of each person among `ids` that exists; the others are missing from the map. */
  areasOf(ids: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of chunks(ids))
      for (const r of this.sql.all<{ id: string; area: string }>(`SELECT id, area FROM people WHERE id IN (${placeholders(c.length)})`, ...c)) out.set(r.id, r.area);
    return out;
  }

  areaOfTerminal(kind: TerminalKind, address: string): string | undefined {
    return this.sql.get<{ area: string }>('SELECT p.area FROM terminals t JOIN people p ON p.id = t.person_id WHERE t.kind = ? AND t.address = ?', kind, address)?.area;
  }

  byTerminal(kind: TerminalKind, address: string): string | undefined {
    return this.sql.get<{ person_id: string }>('SELECT person_id FROM terminals WHERE kind = ? AND address = ?', kind, address)?.person_id;
  }


}
