import type { RedisKeyspace } from '@app/redis';

/** Every Redis key of the free quota model; see docs/QUOTA.md. */
export function quotaKeys(keys: RedisKeyspace) {
  return {
    window: keys.key('quota', 'window'),
    blocked: keys.key('quota', 'blocked'),
    cautious: keys.key('quota', 'cautious'),
    circuit: keys.key('circuit', 'free'),
    probe: keys.key('circuit', 'free', 'probe'),
  };
}

export type QuotaKeys = ReturnType<typeof quotaKeys>;
