import type { GatewayFault, Outage, OutageKind } from '@lifeline/domain';
import type { SqlRunner } from './sql';

interface OutageRow {
  id: string;
  kind: string;
  area: string | null;
  channel: string | null;
  mode: string | null;
  loss: number | null;
  start_at: number;
  end_at: number | null;
}

const toOutage = (r: OutageRow): Outage => ({
  id: r.id,
  kind: r.kind as OutageKind,
  area: r.area,
  channel: r.channel,
  mode: r.mode as GatewayFault | null,
  loss: r.loss,
  startAt: Number(r.start_at),
  endAt: r.end_at === null ? null : Number(r.end_at),
});

export class OutageRepo {
  constructor(private readonly db: SqlRunner) {}

  async insert(o: Outage): Promise<void> {
    await this.db.run(
      'INSERT INTO outages (id, kind, area, channel, mode, loss, start_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      o.id, o.kind, o.area, o.channel, o.mode, o.loss, o.startAt, o.endAt,
    );
  }

  async end(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE outages SET end_at = ? WHERE id = ?', at, id);
  }

  async all(): Promise<Outage[]> {
    return (await this.db.all<OutageRow>('SELECT id, kind, area, channel, mode, loss, start_at, end_at FROM outages ORDER BY start_at, id')).map(toOutage);
  }
}
