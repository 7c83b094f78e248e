import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Actor } from '@ledger/events';
import { ProblemError } from '../http/problem';
import { AuthenticationError, JwtVerifier, Role } from './jwt-verifier';

export const JWT_VERIFIER = Symbol('JwtVerifier');
const PUBLIC = 'ledger:public';
const ROLES = 'ledger:roles';

/** Open to anyone (health, API docs). */
export const Public = () => SetMetadata(PUBLIC, true);
/** The caller needs at least one of these roles. */
export const RequireRoles = (...roles: Role[]) => SetMetadata(ROLES, roles);

export type AuthenticatedRequest = FastifyRequest & { actor: Actor };

/** Every route needs a valid bearer token unless marked `@Public()`; `@RequireRoles` narrows it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(JWT_VERIFIER) private readonly verifier: JwtVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header) : null;
    if (!match) throw new ProblemError(401, 'AUTH.MISSING_TOKEN', 'a bearer token is required');
    try {
      request.actor = await this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof AuthenticationError)
        throw new ProblemError(401, 'AUTH.INVALID_TOKEN', error.message);
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.some((role) => request.actor.roles.includes(role))) {
      throw new ProblemError(403, 'AUTH.ROLE_REQUIRED', `this needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}
