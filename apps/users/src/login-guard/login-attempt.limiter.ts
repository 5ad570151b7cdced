import { APP_CONFIG } from '@app/config';
import { TooManyRequestsError } from '@app/http';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { emailKey } from '../accounts/account';
import { defineLuaScript, type LuaScript } from '../lua-script';
import type { UsersConfig } from '../users.config';

/**
 * Counts a login attempt against its email and its client IP in one step (INCR, and
 * PEXPIRE when the window starts). Over either limit the attempt is refused and not
 * counted. KEYS: email counter, IP counter. ARGV: windowMs, email limit, IP limit.
 * Returns 0 when allowed, else the milliseconds until the exceeded window ends.
 */
const ATTEMPT_LUA = `
local function count(key)
  local n = redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[1]) end
  return n
end
local byEmail = count(KEYS[1])
local byIp = count(KEYS[2])
local wait = 0
if byEmail > tonumber(ARGV[2]) then wait = math.max(wait, redis.call('PTTL', KEYS[1])) end
if byIp > tonumber(ARGV[3]) then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
if wait > 0 then
  redis.call('DECR', KEYS[1])
  redis.call('DECR', KEYS[2])
end
return wait
`;

/** The login worked: end the email's streak and stop counting the attempt against the IP. */
const SUCCESS_LUA = `
redis.call('DEL', KEYS[1])
local byIp = tonumber(redis.call('GET', KEYS[2]) or '0')
if byIp > 0 then redis.call('DECR', KEYS[2]) end
return 1
`;

/** Brute-force protection: only failed logins stay counted, per email and per client IP. */
@Injectable()
export class LoginAttemptLimiter {
  private readonly attemptScript: LuaScript;
  private readonly successScript: LuaScript;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keyspace: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: UsersConfig,
  ) {
    this.attemptScript = defineLuaScript(redis, 'spillwayCountLoginAttempt', 2, ATTEMPT_LUA);
    this.successScript = defineLuaScript(redis, 'spillwayLoginSucceeded', 2, SUCCESS_LUA);
  }

  /** Counts the attempt, or throws 429 with Retry-After when the email or IP is over its limit. */
  async attempt(email: string, ip: string): Promise<void> {
    const waitMs = Number(
      await this.attemptScript(this.keysOf(email, ip), [
        this.config.LOGIN_FAILURE_WINDOW_S * 1000,
        this.config.LOGIN_MAX_FAILURES_PER_EMAIL,
        this.config.LOGIN_MAX_FAILURES_PER_IP,
      ]),
    );
    if (waitMs > 0) {
      throw new TooManyRequestsError(
        'too-many-login-attempts',
        'Too many failed logins for this account or address. Try again later.',
        waitMs,
      );
    }
  }

  /** A successful login: the email's streak ends and the attempt no longer counts for the IP. */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.successScript(this.keysOf(email, ip), []);
  }

  private keysOf(email: string, ip: string): string[] {
    return [
      this.keyspace.key('login-failures', 'email', emailKey(email)),
      this.keyspace.key('login-failures', 'ip', ip),
    ];
  }
}
