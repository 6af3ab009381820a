import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Subject } from 'rxjs';
import { audit, type Principal } from '@lifeline/engine';
import type { Storage, TokenRow } from '@lifeline/store';
import type { TokenRole } from '@lifeline/contracts';
import type { TokensFile } from '../config/config.schema';
import type { AuthLimiter } from './auth-limiter';

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export interface TokenInfo {
  id: string;
  name: string;
  role: TokenRole;
  areas: string[] | null;
  channel: string | null;
  gatewayIds: string[] | null;
  source: 'config' | 'api' | 'env';
  createdAt: string | null;
  revokedAt?: string | null;
}

export interface NewToken {
  role: TokenRole;
  name: string;
  areas?: string[];
  channel?: string;
  gatewayIds?: string[];
}

/** Token areas as stored: JSON `null` is every area, a list is those areas (an empty one, none). */
function parseList(json: string | null): string[] | null {
  if (json === null) return null;
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? v.map(String) : null;
}

/**
 * Tokens are kept hashed: the config file holds sha256 digests, the database the digests of tokens
 * made through the API, and LIFELINE_ADMIN_TOKEN is compared in memory for the process's life.
 * A revocation takes effect at once: sockets opened with the token check `isActive` at every
 * frame, and listen to `revoked$` to be cut.
 */
export class AuthService {
  private readonly configTokens = new Map<string, TokenInfo>();
  private readonly envAdminHash: Buffer | null;
  /** API tokens revoked, this run or before: what open sockets check at every frame. */
  private readonly revoked = new Set<string>();
  readonly revoked$ = new Subject<string>();
  /**
   * On a follower, the sha256 of the bearer token each principal was authenticated with: what it
   * passes on with an order, for the active node to authenticate itself (it takes no node's word
   * for who is asking). A digest, not the token: one seen on the bus opens no HTTP API or socket.
   * Held as long as the principal is (a request, a socket), never written anywhere.
   */
  private readonly tokenHashes: WeakMap<Principal, string> | null;

  /** The service, with the tokens revoked before this start known. */
  static async create(store: Storage, tokens: TokensFile, envAdmin: string | undefined, now: () => number, limiter: AuthLimiter, keepTokenHashes = false): Promise<AuthService> {
    const auth = new AuthService(store, tokens, envAdmin, now, limiter, keepTokenHashes);
    for (const id of await store.read.tokens.revokedIds()) auth.revoked.add(id);
    return auth;
  }

  private constructor(
    private readonly store: Storage,
    tokens: TokensFile,
    envAdmin: string | undefined,
    private readonly now: () => number,
    private readonly limiter: AuthLimiter,
    keepTokenHashes: boolean,
  ) {
    this.tokenHashes = keepTokenHashes ? new WeakMap() : null;
    for (const t of tokens.tokens)
      this.configTokens.set(t.sha256, {
        id: `cfg-${t.sha256.slice(0, 12)}`, name: t.name, role: t.role, areas: t.areas ?? null, channel: t.channel ?? null,
        gatewayIds: t.gatewayIds ?? null, source: 'config', createdAt: null,
      });
    this.envAdminHash = envAdmin ? Buffer.from(sha256(envAdmin), 'hex') : null;
  }

  async authenticate(token: string | undefined | null, address?: string): Promise<Principal | null> {
    if (!token || token.length > 512) return null;
    return this.byHash(sha256(token), address);
  }

  /**
   * The principal of a token by its sha256 (hex): how tokens are kept, and what a follower passes
   * on with an order it got from its client, for the active node to check here itself.
   */
  async byHash(hash: string, address?: string): Promise<Principal | null> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return null;
    const p =
      this.envAdminHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.envAdminHash)
        ? envAdmin(address)
        : (this.fromConfig(this.configTokens.get(hash), address) ?? this.fromRow(await this.store.read.tokens.byHash(hash), address));
    if (p) this.tokenHashes?.set(p, hash);
    return p;
  }

  /** The sha256 of the token `p` was authenticated with here (a follower keeps them), to pass on. */
  tokenHashOf(p: Principal): string | null {
    return this.tokenHashes?.get(p) ?? null;
  }

  private fromConfig(cfg: TokenInfo | undefined, address?: string): Principal | null {
    return cfg ? { id: cfg.id, name: cfg.name, role: cfg.role, areas: cfg.areas, channel: cfg.channel, gatewayIds: cfg.gatewayIds, address } : null;
  }

  private fromRow(row: TokenRow | undefined, address?: string): Principal | null {
    if (!row || this.revoked.has(row.id)) return null;
    return { id: row.id, name: row.name, role: row.role as TokenRole, areas: parseList(row.areas), channel: row.channel, gatewayIds: parseList(row.gateway_ids), address };
  }

  /**
   * Reads which tokens are revoked, as another node revoked them (a follower, told so over the
   * bus and every poll in case the bus dropped the word): open sockets with them are cut.
   */
  async readRevoked(): Promise<void> {
    for (const id of await this.store.read.tokens.revokedIds()) {
      if (this.revoked.has(id)) continue;
      this.revoked.add(id);
      this.revoked$.next(id);
    }
  }

  /**
   * Authenticates a request or upgrade from `address`. A failure is counted against the address;
   * past its limit the answer is 429 with the seconds to wait. A valid token always passes.
   */
  async check(token: string | null, address: string): Promise<{ principal: Principal } | { principal: null; retryAfterS: number }> {
    const principal = await this.authenticate(token, address);
    return principal ? { principal } : { principal: null, retryAfterS: this.limiter.fail(address) };
  }

  /** Whether the principal's token still works: checked at every frame of an open socket. */
  isActive(p: Principal): boolean {
    return !this.revoked.has(p.id);
  }

  async create(body: NewToken, actor: Principal): Promise<{ id: string; token: string }> {
    const token = `ll_${randomBytes(24).toString('base64url')}`;
    const id = `tok-${randomBytes(6).toString('hex')}`;
    const at = this.now();
    const areas = body.areas ?? null;
    const gatewayIds = body.gatewayIds ?? null;
    await this.store.write(async (tx) => {
      await tx.tokens.insert({
        id, name: body.name, role: body.role, hash: sha256(token), areas: JSON.stringify(areas), channel: body.channel ?? null,
        gateway_ids: gatewayIds && JSON.stringify(gatewayIds), created_at: at,
      });
      await audit(tx, actor, at, 'token.create', id, { name: body.name, role: body.role, areas, channel: body.channel ?? null, gatewayIds });
    });
    return { id, token };
  }

  async list(): Promise<TokenInfo[]> {
    const api = (await this.store.read.tokens.list()).map((r: TokenRow) => ({
      id: r.id,
      name: r.name,
      role: r.role as TokenRole,
      areas: parseList(r.areas),
      channel: r.channel,
      gatewayIds: parseList(r.gateway_ids),
      source: 'api' as const,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      revokedAt: r.revoked_at === null ? null : new Date(Number(r.revoked_at)).toISOString(),
    }));
    return [...this.configTokens.values(), ...api];
  }

  /** Revokes at once: requests fail from now on and sockets opened with it are cut. */
  async revoke(id: string, actor: Principal): Promise<'revoked' | 'not_found' | 'config'> {
    if ([...this.configTokens.values()].some((t) => t.id === id)) return 'config';
    const at = this.now();
    const ok = await this.store.write(async (tx) => {
      const done = await tx.tokens.revoke(id, at);
      if (done) await audit(tx, actor, at, 'token.revoke', id);
      return done;
    });
    if (!ok) return 'not_found';
    this.revoked.add(id);
    this.revoked$.next(id);
    return 'revoked';
  }
}

function envAdmin(address?: string): Principal {
  return { id: 'env-admin', name: 'LIFELINE_ADMIN_TOKEN', role: 'admin', areas: null, channel: null, address };
}

/** The bearer token of an HTTP request: the Authorization header only, never the query string. */
export function headerToken(authorization: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m ? m[1] : null;
}

/**
 * The bearer token of a WebSocket upgrade: the header, or `?token=` (browsers cannot set headers
 * on a WebSocket). Upgrades only: a token in a URL of a plain request would end up in logs.
 */
export function upgradeToken(authorization: string | undefined, query: URLSearchParams): string | null {
  return headerToken(authorization) ?? query.get('token');
}

export function allowed(p: Principal, roles: readonly Principal['role'][]): boolean {
  return p.role === 'admin' || roles.includes(p.role);
}
