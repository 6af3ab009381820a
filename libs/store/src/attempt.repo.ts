import type { Sql } from './sql';

export interface AttemptRow {
  id: string;
  delivery_id: string;
  attempt: number;
  channel: string;
  area: string;
  address: string;
  status: string;
  at: number;
  detail: string | null;
}

export class AttemptRepo {
  constructor(private readonly sql: Sql) {}

  insert(a: AttemptRow): void {
    this.sql.run(
      'INSERT INTO attempts (id, delivery_id, attempt, channel, area, address, status, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      a.id, a.delivery_id, a.attempt, a.channel, a.area, a.address, a.status, a.at, a.detail,
    );
  }

  update(id: string, status: string, at: number, detail: string | null): void {
    this.sql.run('UPDATE attempts SET status = ?, at = ?, detail = ? WHERE id = ?', status, at, detail, id);
  }

  get(id: string): AttemptRow | undefined {
    return this.sql.get<AttemptRow>('SELECT id, delivery_id, attempt, channel, area, address, status, at, detail FROM attempts WHERE id = ?', id);
  }

  ofDelivery(deliveryId: string): AttemptRow[] {
    return this.sql.all<AttemptRow>(
      'SELECT id, delivery_id, attempt, channel, area, address, status, at, detail FROM attempts WHERE delivery_id = ? ORDER BY attempt',
      deliveryId,
    );
  }
}
