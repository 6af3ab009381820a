import type { SqlRunner } from './sql';

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  hash: string;
  /** JSON: null for every area, else a list of area codes. */
  areas: string;
  channel: string | null;
  /** JSON list of the gateway ids a gateway token may claim; null for any. */
  gateway_ids: string | null;
  created_at: number;
  revoked_at: number | null;
}

export class TokenRepo {
  constructor(private readonly db: SqlRunner) {}

  async insert(t: Omit<TokenRow, 'revoked_at'>): Promise<void> {
    await this.db.run(
      'INSERT INTO tokens (id, name, role, hash, areas, channel, gateway_ids, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      t.id, t.name, t.role, t.hash, t.areas, t.channel, t.gateway_ids, t.created_at,
    );
  }

  byHash(hash: string): Promise<TokenRow | undefined> {
    return this.db.get<TokenRow>('SELECT id, name, role, hash, areas, channel, gateway_ids, created_at, revoked_at FROM tokens WHERE hash = ? AND revoked_at IS NULL', hash);
  }

  list(): Promise<TokenRow[]> {
    return this.db.all<TokenRow>('SELECT id, name, role, hash, areas, channel, gateway_ids, created_at, revoked_at FROM tokens ORDER BY created_at');
  }

  /** Ids of revoked tokens: sockets opened before a revocation check against these. */
  async revokedIds(): Promise<string[]> {
    return (await this.db.all<{ id: string }>('SELECT id FROM tokens WHERE revoked_at IS NOT NULL')).map((r) => r.id);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (await this.db.run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', at, id)) > 0;
  }
}
