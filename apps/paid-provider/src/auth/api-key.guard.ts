import { APP_CONFIG } from '@app/config';
import { DomainError } from '@app/http';
import { API_KEY_HEADER } from '@app/jobs';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PaidProviderConfig } from '../paid-provider.config';

export class InvalidApiKeyError extends DomainError {
  constructor() {
    super('invalid-api-key', 401, 'Unauthorized', {
      detail: 'Send a valid API key in the X-Api-Key header.',
      headers: { 'WWW-Authenticate': 'ApiKey header="X-Api-Key"' },
    });
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares SHA-256 digests with timingSafeEqual: equal lengths whatever was sent, so neither
 * the key's content nor its length leaks through response timing.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(APP_CONFIG) config: PaidProviderConfig) {
    this.expected = digest(config.PAID_PROVIDER_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const sent = context.switchToHttp().getRequest<FastifyRequest>().headers[API_KEY_HEADER];
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), this.expected)) {
      throw new InvalidApiKeyError();
    }
    return true;
  }
}
