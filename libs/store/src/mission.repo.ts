import type { SqlRunner } from './sql';

export interface MissionRow {
  resource: string;
  area: string;
  arriveAt: number;
  leaveAt: number;
}

export class MissionRepo {
  constructor(private readonly db: SqlRunner) {}

  async insert(m: MissionRow): Promise<void> {
    await this.db.run('INSERT INTO relay_missions (resource, area, arrive_at, leave_at) VALUES (?, ?, ?, ?)', m.resource, m.area, m.arriveAt, m.leaveAt);
  }

  async delete(resource: string): Promise<void> {
    await this.db.run('DELETE FROM relay_missions WHERE resource = ?', resource);
  }

  async all(): Promise<MissionRow[]> {
    const rows = await this.db.all<{ resource: string; area: string; arrive_at: number; leave_at: number }>('SELECT resource, area, arrive_at, leave_at FROM relay_missions ORDER BY resource');
    return rows.map((r) => ({ resource: r.resource, area: r.area, arriveAt: Number(r.arrive_at), leaveAt: Number(r.leave_at) }));
  }
}
