import type { RedisKeyspace } from '@app/redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** Count, expiry and block decided in one step, so replicas never double-admit. */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
if blocked < 0 then blocked = 0 end
return {hits, ttl, blocked}
`;

interface ThrottleCommands {
  spillwayThrottle(hitKey: string, blockKey: string, ...args: number[]): Promise<number[]>;
}

/**
 * @nestjs/throttler storage on Redis, shared by all replicas. Written here rather than
 * taken from @nest-lab/throttler-storage-redis because that one sends the script text
 * with EVAL on every request and names keys outside REDIS_KEY_PREFIX.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly commands: ThrottleCommands;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeyspace,
  ) {
    if (!('spillwayThrottle' in redis)) {
      redis.defineCommand('spillwayThrottle', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    }
    this.commands = redis as unknown as ThrottleCommands;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = this.keys.key('throttle', throttlerName, key);
    const [hits, expiresInMs, blockedForMs] = await this.commands.spillwayThrottle(
      `${base}:hits`,
      `${base}:blocked`,
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits: Number(hits),
      timeToExpire: Math.ceil(Number(expiresInMs) / 1000),
      isBlocked: Number(blockedForMs) > 0,
      timeToBlockExpire: Math.ceil(Number(blockedForMs) / 1000),
    };
  }
}
