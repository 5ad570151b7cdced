import { APP_CONFIG } from '@app/config';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { defineLuaScript, type LuaScript } from '../lua-script';
import type { UsersConfig } from '../users.config';

export interface IssuedRefreshToken {
  /** Opaque to clients: `<familyId>.<secret>`. Only its SHA-256 is stored. */
  token: string;
  /** Seconds the family (and so this token) stays valid. */
  expiresIn: number;
}

export type RotationResult =
  | { outcome: 'rotated'; userId: string; next: IssuedRefreshToken }
  | { outcome: 'invalid' }
  | { outcome: 'reused' };

/**
 * One family per login. KEYS[1] = family hash {userId, current}, KEYS[2] = set of hashes
 * already rotated away. Presenting the current hash rotates it; presenting a rotated one
 * means the token leaked, so the whole family is deleted.
 * ARGV: presented hash, next hash. Returns {'rotated', userId, ttlMs} | {'reused'} | {'invalid'}.
 */
const ROTATE_LUA = `
local current = redis.call('HGET', KEYS[1], 'current')
if not current then return {'invalid'} end
if current == ARGV[1] then
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('HSET', KEYS[1], 'current', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
  return {'rotated', redis.call('HGET', KEYS[1], 'userId'), ttl}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'reused'}
end
return {'invalid'}
`;

/** Deletes a family only when the presented token belongs to it (logout). */
const REVOKE_LUA = `
local current = redis.call('HGET', KEYS[1], 'current')
if current == ARGV[1] or redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return redis.call('DEL', KEYS[1], KEYS[2])
end
return 0
`;

const FAMILY_ID = /^[\w-]{22}$/;

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Refresh tokens: opaque, stored only as hashes, rotated on every use, families revoked on reuse. */
@Injectable()
export class RefreshTokenStore {
  private readonly rotateScript: LuaScript;
  private readonly revokeScript: LuaScript;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: UsersConfig,
  ) {
    this.rotateScript = defineLuaScript(redis, 'spillwayRotateRefreshToken', 2, ROTATE_LUA);
    this.revokeScript = defineLuaScript(redis, 'spillwayRevokeRefreshFamily', 2, REVOKE_LUA);
  }

  /** Starts a family at login; the family lives JWT_REFRESH_TTL_S from then, however often it rotates. */
  async startFamily(userId: string): Promise<IssuedRefreshToken> {
    const familyId = randomBytes(16).toString('base64url');
    const token = this.newToken(familyId);
    const ttl = this.config.JWT_REFRESH_TTL_S;
    await this.redis
      .multi()
      .hset(this.familyKey(familyId), { userId, current: sha256(token), createdAt: Date.now() })
      .expire(this.familyKey(familyId), ttl)
      .exec();
    return { token, expiresIn: ttl };
  }

  async rotate(presented: string): Promise<RotationResult> {
    const familyId = this.familyOf(presented);
    if (!familyId) return { outcome: 'invalid' };
    const token = this.newToken(familyId);
    const result = (await this.rotateScript(this.keysOf(familyId), [
      sha256(presented),
      sha256(token),
    ])) as [string, string?, number?];
    if (result[0] === 'reused') return { outcome: 'reused' };
    if (result[0] !== 'rotated' || !result[1]) return { outcome: 'invalid' };
    const expiresIn = Math.max(1, Math.floor((result[2] ?? 0) / 1000));
    return { outcome: 'rotated', userId: result[1], next: { token, expiresIn } };
  }

  /** Ends the family of a token (current or already rotated). Unknown tokens are ignored. */
  async revoke(presented: string): Promise<boolean> {
    const familyId = this.familyOf(presented);
    if (!familyId) return false;
    return (await this.revokeScript(this.keysOf(familyId), [sha256(presented)])) !== 0;
  }

  private newToken(familyId: string): string {
    return `${familyId}.${randomBytes(32).toString('base64url')}`;
  }

  private familyOf(token: string): string | undefined {
    const familyId = token.split('.')[0];
    return familyId && FAMILY_ID.test(familyId) ? familyId : undefined;
  }

  private familyKey(familyId: string): string {
    return this.keyspace.key('refresh-family', familyId);
  }

  private keysOf(familyId: string): string[] {
    return [this.familyKey(familyId), this.keyspace.key('refresh-family', familyId, 'rotated')];
  }
}
