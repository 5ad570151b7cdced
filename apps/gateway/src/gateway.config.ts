import { env, freeQuotaEnv, httpEnv, jwtEnv, redisEnv } from '@app/config';
import { z } from 'zod';

export const gatewayConfigSchema = z.object({
  ...httpEnv,
  ...redisEnv,
  ...freeQuotaEnv,
  ...jwtEnv,
  PORT: env.port(3000, 'Port of the public gateway.'),
  USERS_URL: env.url('http://127.0.0.1:3001', 'Base URL of the users service.'),
  FREE_PROVIDER_URL: env.url('http://127.0.0.1:3002', 'Base URL of the free provider.'),
  PAID_PROVIDER_URL: env.url('http://127.0.0.1:3003', 'Base URL of the paid provider.'),
  PAID_PROVIDER_API_KEY: env.string('dev-paid-key', 'API key sent to the paid provider.'),
  FREE_QUOTA_GUARD_MS: env.int(
    100,
    0,
    60_000,
    'Safety margin added to the modelled free window so clock skew never over-admits.',
  ),
  FREE_DEFAULT_COOLDOWN_MS: env.int(
    10_000,
    0,
    3_600_000,
    'How long free is left alone after a 429 that carries no Retry-After.',
  ),
  FREE_CIRCUIT_FAILURE_THRESHOLD: env.int(
    3,
    1,
    1000,
    'Failures of the free provider (5xx, reset, timeout, bad answer) that open the shared circuit.',
  ),
  FREE_CIRCUIT_FAILURE_WINDOW_MS: env.int(
    10_000,
    100,
    3_600_000,
    'Failures further apart than this do not add up towards opening the circuit.',
  ),
  FREE_CIRCUIT_PROBE_INTERVAL_MS: env.int(
    1000,
    10,
    600_000,
    'While the circuit is open, one probe request per interval is let through, across all replicas.',
  ),
  FREE_TIMEOUT_MS: env.int(5000, 50, 120_000, 'Timeout of one call to the free provider.'),
  PAID_TIMEOUT_MS: env.int(10_000, 50, 120_000, 'Timeout of one call to the paid provider.'),
  USER_RATE_LIMIT_PER_MIN: env.int(600, 1, 1_000_000, 'Requests one user may make per minute.'),
  ALLOWED_ORIGINS: env.csv(
    'Origins allowed to send cookie-authenticated unsafe requests (comma-separated; empty = same origin only).',
  ),
  GATEWAY_MODE: env.oneOf(
    ['all', 'api', 'worker'],
    'all',
    'api: HTTP only; worker: job workers only (no public routes but /health); all: both.',
  ),
  JOBS_CONCURRENCY: env.int(8, 1, 1000, 'Async jobs one gateway process runs at once.'),
  JOBS_SYNC_SHARE_PERCENT: env.int(
    20,
    0,
    100,
    'Share of each free window that async jobs and stock refills leave to live (sync) requests.',
  ),
  JOBS_LOCK_MS: env.int(
    10_000,
    1000,
    600_000,
    'A job whose worker stops renewing its lock this long (a crashed worker) is run again.',
  ),
  JOBS_CALLBACK_SECRET: env.string(
    'dev-callback-secret',
    'HMAC-SHA256 key that signs job callbacks (X-Spillway-Signature). Set it in production.',
  ),
  JOBS_RESULT_TTL_S: env.int(
    604_800,
    60,
    31_536_000,
    'How long a finished async job and its result stay readable.',
  ),
  EVENTS_MAX_LEN: env.int(
    100_000,
    1000,
    100_000_000,
    'Approximate length the lifecycle event stream is trimmed to.',
  ),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
