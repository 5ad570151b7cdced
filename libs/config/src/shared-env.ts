import { env } from './env-schema';

/** Every app: where it listens, how it logs, how long it drains. */
export const httpEnv = {
  NODE_ENV: env.oneOf(['development', 'production', 'test'], 'development', 'Runtime mode.'),
  HOST: env.string('127.0.0.1', 'Interface to listen on (0.0.0.0 in containers).'),
  LOG_LEVEL: env.oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
    'Minimum level of the JSON log lines written to stdout.',
  ),
  BODY_LIMIT_BYTES: env.int(
    1_048_576,
    1024,
    16_777_216,
    'Largest accepted request body; larger bodies get 413.',
  ),
  TRUST_PROXY: env.csv(
    'Proxies whose X-Forwarded-For is believed (addresses, CIDRs, or loopback, linklocal, uniquelocal); empty = none.',
  ),
  SHUTDOWN_TIMEOUT_MS: env.int(
    10_000,
    100,
    120_000,
    'On SIGTERM, how long in-flight work may take before the process exits anyway.',
  ),
};

/** Apps that keep state in Redis. */
export const redisEnv = {
  REDIS_URL: env.url('redis://127.0.0.1:6379', 'Redis 7 connection URL.'),
  REDIS_KEY_PREFIX: env.string(
    'spillway:',
    'Prefix of every Redis key, so deployments or test runs can share one Redis.',
  ),
  REDIS_COMMAND_TIMEOUT_MS: env.int(
    1000,
    50,
    60_000,
    'A Redis command that takes longer fails, so no request waits on a dead Redis.',
  ),
};

/** The free provider's quota: the gateway models it with the same values. */
export const freeQuotaEnv = {
  FREE_QUOTA_LIMIT: env.int(10, 1, 1_000_000, 'Requests the free provider accepts per window.'),
  FREE_QUOTA_WINDOW_MS: env.int(
    10_000,
    10,
    86_400_000,
    'Length of the free quota window, opened by the first accepted request.',
  ),
};

/** Who issues access tokens and for whom: the issuer (users) and verifiers (gateway) agree. */
export const jwtEnv = {
  JWT_ISSUER: env.string('spillway-users', 'The `iss` claim of access tokens.'),
  JWT_AUDIENCE: env.string('spillway', 'The `aud` claim of access tokens.'),
};
