import type { SqlRunner } from './sql';

export interface ChannelStateRow {
  channel: string;
  area: string;
  state: string;
  since: number;
}

/** The last published state of each channel per area (see the `channel_states` migration). */
export class ChannelStateRepo {
  constructor(private readonly db: SqlRunner) {}

  async all(): Promise<ChannelStateRow[]> {
    return (await this.db.all<ChannelStateRow>('SELECT channel, area, state, since FROM channel_states')).map((r) => ({ ...r, since: Number(r.since) }));
  }

  async save(rows: readonly ChannelStateRow[]): Promise<void> {
    for (const r of rows)
      if ((await this.db.run('UPDATE channel_states SET state = ?, since = ? WHERE channel = ? AND area = ?', r.state, r.since, r.channel, r.area)) === 0)
        await this.db.run('INSERT INTO channel_states (channel, area, state, since) VALUES (?, ?, ?, ?)', r.channel, r.area, r.state, r.since);
  }
}
