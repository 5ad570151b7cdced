import type { Role } from '@app/contracts';
import { ForbiddenError, UnauthorizedError } from '@app/http';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

/** Roles allowed to call a handler or controller; use after JwtAuthGuard with RolesGuard. */
export const Roles = Reflector.createDecorator<Role[]>();

/** Refuses (403) a verified caller whose role is not listed by @Roles(...). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride(Roles, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<FastifyRequest>().user;
    if (!user) throw new UnauthorizedError();
    if (!roles.includes(user.role)) {
      throw new ForbiddenError(`This requires the role ${roles.join(' or ')}.`, 'role-required');
    }
    return true;
  }
}
