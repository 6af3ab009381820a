import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Principal } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { ApiError } from '../http/errors';
import { allowed, bearer } from './auth.service';

export const ROLES = 'lifeline:roles';
/** Roles allowed on a handler besides admin; no decorator means public. */
export const Roles = (...roles: Principal['role'][]) => SetMetadata(ROLES, roles);

export type AuthedRequest = Request & { principal: Principal };

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly lifeline: Lifeline,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Principal['role'][] | undefined>(ROLES, [ctx.getHandler(), ctx.getClass()]);
    if (!roles) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const p = this.lifeline.auth.authenticate(bearer(req.headers.authorization, req.url));
    if (!p) throw new ApiError(401, 'unauthorized', 'expected a valid token: Authorization: Bearer <token>');
    if (!allowed(p, roles)) throw new ApiError(403, 'forbidden', `a ${p.role} token may not do this; needs ${['admin', ...roles].join(' or ')}`);
    req.principal = p;
    return true;
  }
}
