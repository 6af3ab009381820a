import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Principal, NodeCore } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { ApiError } from '../http/errors';
import { allowed, headerToken } from './auth.service';

export const ROLES = 'lifeline:roles';
/** Roles allowed on a handler besides admin; no decorator means public. */
export const Roles = (...roles: Principal['role'][]) => SetMetadata(ROLES, roles);

export type AuthedRequest = Request & { principal: Principal };

/** The client's address as the socket sees it (a proxy in front is one address for all). */
export const clientAddress = (req: { socket: { remoteAddress?: string } }) => req.socket.remoteAddress ?? 'unknown';

/**
 * Authenticates a request (Authorization header only) and checks its role. Throws the HTTP
 * answer: 401, or 429 with `Retry-After` for an address past its failures, or 403.
 */
export async function authorize(lifeline: Lifeline<NodeCore>, req: Request, roles: readonly Principal['role'][]): Promise<Principal> {
  const r = await lifeline.auth.check(headerToken(req.headers.authorization), clientAddress(req));
  if (!r.principal) {
    if (r.retryAfterS > 0)
      throw new ApiError(429, 'too_many_failures', `too many failed authentications from this address: retry in ${r.retryAfterS} s`, undefined, { 'Retry-After': String(r.retryAfterS) });
    throw new ApiError(401, 'unauthorized', 'expected a valid token: Authorization: Bearer <token>');
  }
  if (!allowed(r.principal, roles)) throw new ApiError(403, 'forbidden', `a ${r.principal.role} token may not do this; needs ${['admin', ...roles].join(' or ')}`);
  return r.principal;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly lifeline: Lifeline<NodeCore>,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Principal['role'][] | undefined>(ROLES, [ctx.getHandler(), ctx.getClass()]);
    if (!roles) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    req.principal = await authorize(this.lifeline, req, roles);
    return true;
  }
}
