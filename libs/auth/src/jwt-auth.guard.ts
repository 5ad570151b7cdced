import { APP_CONFIG } from '@app/config';
import {
  addLogContext,
  ForbiddenError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '@app/http';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { presentedToken } from './access-token';
import { isForeignUnsafeRequest } from './csrf';
import { JwtVerifier, TokenRejectedError } from './jwt-verifier';

/** The part of an app's config the guard reads; apps without ALLOWED_ORIGINS allow same origin only. */
export interface CsrfConfig {
  ALLOWED_ORIGINS?: readonly string[];
}

/**
 * Lets a request through with a valid access token (Bearer or access_token cookie) and sets
 * `request.user`. A cookie-authenticated unsafe request from a foreign Origin is refused,
 * because the browser attaches cookies to cross-site requests on its own.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly allowedOrigins: readonly string[];

  constructor(
    private readonly verifier: JwtVerifier,
    @Inject(APP_CONFIG) config: CsrfConfig,
  ) {
    this.allowedOrigins = config.ALLOWED_ORIGINS ?? [];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = presentedToken(request);
    if (!presented) throw new UnauthorizedError();
    if (presented.source === 'cookie' && isForeignUnsafeRequest(request, this.allowedOrigins)) {
      throw new ForbiddenError(
        'Cookie-authenticated requests from this origin are not allowed.',
        'csrf-origin-refused',
      );
    }
    try {
      request.user = await this.verifier.verify(presented.token);
    } catch (error) {
      if (error instanceof TokenRejectedError && error.keysUnavailable) {
        throw new ServiceUnavailableError(
          'auth-keys-unavailable',
          'The signing keys cannot be fetched right now.',
          1000,
        );
      }
      addLogContext(request, {
        authFailure: error instanceof TokenRejectedError ? error.reason : 'error',
      });
      throw new UnauthorizedError('The access token is invalid or expired.');
    }
    addLogContext(request, { userId: request.user.id });
    return true;
  }
}
