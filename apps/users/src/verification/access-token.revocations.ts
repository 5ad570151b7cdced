import type { VerifiedAccessToken } from '@app/auth';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';

/**
 * Access tokens ended by logout before their expiry, by jti (`revoked-access:<jti>`, kept
 * until the token would have expired anyway). Only the users service consults it; the
 * gateway stays stateless and honours a token until it expires (at most JWT_ACCESS_TTL_S).
 */
@Injectable()
export class AccessTokenRevocations {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: RedisKeyspace,
  ) {}

  async revoke(token: VerifiedAccessToken, now = Date.now()): Promise<void> {
    const ttlMs = token.expiresAtMs - now;
    if (ttlMs > 0 && token.jti) await this.redis.set(this.key(token.jti), '1', 'PX', ttlMs);
  }

  async isRevoked(token: VerifiedAccessToken): Promise<boolean> {
    return token.jti !== '' && (await this.redis.exists(this.key(token.jti))) === 1;
  }

  private key(jti: string): string {
    return this.keyspace.key('revoked-access', jti);
  }
}
