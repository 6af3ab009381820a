import type { Sql } from './sql';

export interface MissionRow {
  resource: string;
  area: string;
  arriveAt: number;
  leaveAt: number;
}

export class MissionRepo {
  constructor(private readonly sql: Sql) {}

  insert(m: MissionRow): void {
    this.sql.run('INSERT INTO relay_missions (resource, area, arrive_at, leave_at) VALUES (?, ?, ?, ?)', m.resource, m.area, m.arriveAt, m.leaveAt);
  }

  delete(resource: string): void {
    this.sql.run('DELETE FROM relay_missions WHERE resource = ?', resource);
  }

  all(): MissionRow[] {
    return this.sql
      .all<{ resource: string; area: string; arrive_at: number; leave_at: number }>('SELECT resource, area, arrive_at, leave_at FROM relay_missions ORDER BY resource')
      .map((r) => ({ resource: r.resource, area: r.area, arriveAt: Number(r.arrive_at), leaveAt: Number(r.leave_at) }));
  }
}
