import type { RedisKeyspace } from '@app/redis';
import { eventsStreamKey } from '../events/events-publisher';

/** The consumer group that builds the statistics; one per deployment (per key prefix). */
export const STATS_GROUP = 'stats';

/** Newest latency samples kept per provider for p50/p95. */
export const LATENCY_SAMPLES = 2000;
/** Newest route switches kept for `GET /stats`. */
export const RECENT_SWITCHES = 20;

/**
 * The statistics keys, in the order the apply script receives them (after the stream).
 * routed:   hash `<kind>:<provider|none>:<outcome>` → JOB_ROUTED count
 * totals:   hash free, paid (successful calls), refused, paidCostMicros, routeSwitches
 * jobs:     hash `<accepted|started|finished|failed>:<kind>` → count
 * latency:  capped lists of milliseconds, newest first
 * switches: capped list of ROUTE_SWITCHED JSON, newest first
 * meta:     hash startedAt (earliest event time counted), skipped (entries ignored)
 */
export const STATS_KEY_ROLES = [
  'routed',
  'totals',
  'jobs',
  'latencyFree',
  'latencyPaid',
  'switches',
  'meta',
] as const;
export type StatsKeyRole = (typeof STATS_KEY_ROLES)[number];

export type StatsKeys = Record<StatsKeyRole, string> & { stream: string };

export function statsKeys(keys: RedisKeyspace): StatsKeys {
  return {
    stream: eventsStreamKey(keys),
    routed: keys.key('stats', 'routed'),
    totals: keys.key('stats', 'totals'),
    jobs: keys.key('stats', 'jobs'),
    latencyFree: keys.key('stats', 'latency', 'free'),
    latencyPaid: keys.key('stats', 'latency', 'paid'),
    switches: keys.key('stats', 'switches'),
    meta: keys.key('stats', 'meta'),
  };
}
