import type { JobKind } from '@app/contracts';

/**
 * The HTTP contract both providers serve and the gateway calls (DESIGN.md, "Provider job API").
 * Names live here once so a rename cannot drift between caller and callee.
 */
export const PROVIDER_JOB_PATHS = {
  message: '/v1/messages',
  coupon: '/v1/coupons',
  qr: '/v1/qr',
} as const satisfies Record<JobKind, string>;

export const FREE_STATS_PATH = '/v1/stats';
export const PAID_USAGE_PATH = '/v1/usage';

/** Header names are lower case, as Node and undici hand them over. */
export const API_KEY_HEADER = 'x-api-key';
export const COST_HEADER = 'x-cost-micros';

/** Sent by the free provider on every response. */
export const RATE_LIMIT_HEADERS = {
  limit: 'ratelimit-limit',
  remaining: 'ratelimit-remaining',
  /** Whole seconds until the window or the block ends, rounded up. */
  reset: 'ratelimit-reset',
  /** The same in milliseconds: what the gateway resynchronises from. */
  resetMs: 'x-ratelimit-reset-ms',
  retryAfter: 'retry-after',
} as const;

/** Problem `type` code of the free provider's 429. */
export const FREE_QUOTA_EXCEEDED = 'free-quota-exceeded';

/** `GET /v1/stats` on the free provider. Times are epoch ms, null when none. */
export interface FreeProviderStats {
  accepted: number;
  rejected: number;
  limit: number;
  windowMs: number;
  blockMs: number;
  windowOpenedAt: number | null;
  windowCount: number;
  blockedUntil: number | null;
}

export interface PaidKindUsage {
  calls: number;
  costMicros: number;
}

/** `GET /v1/usage` on the paid provider: successful (billed) job calls only. */
export interface PaidProviderUsage {
  calls: number;
  costMicros: number;
  byKind: Record<JobKind, PaidKindUsage>;
}
