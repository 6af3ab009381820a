import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Subject } from 'rxjs';
import type { Principal } from '@lifeline/engine';
import type { Store } from '@lifeline/store';
import type { TokenRole } from '@lifeline/contracts';
import type { TokensFile } from '../config/config.schema';

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export interface TokenInfo {
  id: string;
  name: string;
  role: TokenRole;
  areas: string[] | null;
  channel: string | null;
  source: 'config' | 'api' | 'env';
  createdAt: string | null;
}

/**
 * Tokens are kept hashed: the config file holds sha256 digests, the database the digests of tokens
 * made through the API, and LIFELINE_ADMIN_TOKEN is compared in memory for the process's life.
 */
export class AuthService {
  private readonly configTokens = new Map<string, TokenInfo>();
  private readonly envAdminHash: Buffer | null;
  readonly revoked$ = new Subject<string>();

  constructor(
    private readonly store: Store,
    tokens: TokensFile,
    envAdmin: string | undefined,
    private readonly now: () => number,
  ) {
    for (const t of tokens.tokens)
      this.configTokens.set(t.sha256, { id: `cfg-${t.sha256.slice(0, 12)}`, name: t.name, role: t.role, areas: t.areas ?? null, channel: t.channel ?? null, source: 'config', createdAt: null });
    this.envAdminHash = envAdmin ? Buffer.from(sha256(envAdmin), 'hex') : null;
  }

  authenticate(token: string | undefined | null): Principal | null {
    if (!token || token.length > 512) return null;
    const hash = sha256(token);
    if (this.envAdminHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.envAdminHash)) return { id: 'env-admin', role: 'admin', areas: null, channel: null };
    const cfg = this.configTokens.get(hash);
    if (cfg) return { id: cfg.id, role: cfg.role, areas: cfg.areas, channel: cfg.channel };
    const row = this.store.tokens.byHash(hash);
    if (!row) return null;
    const areas = JSON.parse(row.areas) as string[];
    return { id: row.id, role: row.role as TokenRole, areas: areas.length ? areas : null, channel: row.channel };
  }

  async create(body: { role: TokenRole; name: string; areas?: string[]; channel?: string }): Promise<{ id: string; token: string }> {
    const token = `ll_${randomBytes(24).toString('base64url')}`;
    const id = `tok-${randomBytes(6).toString('hex')}`;
    await this.store.write((s) =>
      s.tokens.insert({ id, name: body.name, role: body.role, hash: sha256(token), areas: JSON.stringify(body.areas ?? []), channel: body.channel ?? null, created_at: this.now() }),
    );
    return { id, token };
  }

  list(): TokenInfo[] {
    const api = this.store.tokens.list().map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role as TokenRole,
      areas: (JSON.parse(r.areas) as string[]).length ? (JSON.parse(r.areas) as string[]) : null,
      channel: r.channel,
      source: 'api' as const,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      revokedAt: r.revoked_at === null ? null : new Date(Number(r.revoked_at)).toISOString(),
    }));
    return [...this.configTokens.values(), ...api];
  }

  /** Revokes at once: open WebSocket connections made with it are closed by their owners. */
  async revoke(id: string): Promise<'revoked' | 'not_found' | 'config'> {
    if ([...this.configTokens.values()].some((t) => t.id === id)) return 'config';
    const ok = await this.store.write((s) => s.tokens.revoke(id, this.now()));
    if (!ok) return 'not_found';
    this.revoked$.next(id);
    return 'revoked';
  }
}

/** The bearer token of a request or upgrade: `Authorization: Bearer x`, or `?token=x`. */
export function bearer(authorization: string | undefined, url: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (m) return m[1];
  try {
    return new URL(url ?? '/', 'http://x').searchParams.get('token');
  } catch {
    return null;
  }
}

export function allowed(p: Principal, roles: readonly Principal['role'][]): boolean {
  return p.role === 'admin' || roles.includes(p.role);
}
