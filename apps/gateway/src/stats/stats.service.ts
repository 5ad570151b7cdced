import { APP_CONFIG } from '@app/config';
import { JOB_KINDS, type JobKind, type ProviderName } from '@app/contracts';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../gateway.config';
import { STATS_GROUP, statsKeys, type StatsKeys } from './stats-keys';
import {
  LIFECYCLE_STAGES,
  ROUTE_OUTCOMES,
  type LifecycleStage,
  type RouteOutcome,
} from './stats-updates';
import { replyRecord } from './stream-replies';

export type OutcomeCounts = Record<RouteOutcome, number>;
/** `none` holds refusals: no provider was called. */
export type ProviderCounts = Record<ProviderName | 'none', OutcomeCounts>;
export type LifecycleCounts = Record<LifecycleStage, number>;

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  samples: number;
}

export interface RouteSwitch {
  from: ProviderName;
  to: ProviderName;
  reason: string;
  at: number;
}

/** The statistics every replica shares, as `GET /stats` and the dashboard show them. */
export interface Stats {
  since: number | null;
  totals: Record<ProviderName, number>;
  paidShare: number;
  refused: number;
  paidCostMicros: number;
  byKind: Record<JobKind, ProviderCounts>;
  latencyMs: Record<ProviderName, LatencySummary>;
  routeSwitches: { count: number; recent: RouteSwitch[] };
  jobs: LifecycleCounts & { byKind: Record<JobKind, LifecycleCounts> };
  freeUtilisation: number;
  freeAvailable: number;
  backlog: number | null;
}

type Hash = Record<string, string>;

/** Reads the statistics the StatsConsumer keeps in Redis. */
@Injectable()
export class StatsService {
  private readonly keys: StatsKeys;
  /** Now-override for tests; empty = this process' clock (events carry gateway clocks too). */
  clockOverride: (() => number) | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: RedisKeyspace,
    @Inject(APP_CONFIG)
    private readonly config: Pick<GatewayConfig, 'FREE_QUOTA_LIMIT' | 'FREE_QUOTA_WINDOW_MS'>,
  ) {
    this.keys = statsKeys(keyspace);
  }

  async read(): Promise<Stats> {
    const k = this.keys;
    // One MULTI, so the totals, the shares and the counts describe the same moment.
    const replies = await this.redis
      .multi()
      .hgetall(k.routed)
      .hgetall(k.totals)
      .hgetall(k.jobs)
      .hgetall(k.meta)
      .lrange(k.latencyFree, 0, -1)
      .lrange(k.latencyPaid, 0, -1)
      .lrange(k.switches, 0, -1)
      .exec();
    if (!replies) throw new Error('stats read aborted');
    const values = replies.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    const [routed, totals, jobs, meta] = values.slice(0, 4) as Hash[];
    const [latencyFree, latencyPaid, switches] = values.slice(4) as string[][];

    const free = int(totals.free);
    const paid = int(totals.paid);
    const since = meta.startedAt === undefined ? null : int(meta.startedAt);
    const freeAvailable = this.freeAvailable(since);
    return {
      since,
      totals: { free, paid },
      paidShare: free + paid === 0 ? 0 : paid / (free + paid),
      refused: int(totals.refused),
      paidCostMicros: int(totals.paidCostMicros),
      byKind: byKind(routed),
      latencyMs: { free: summarise(latencyFree), paid: summarise(latencyPaid) },
      routeSwitches: {
        count: int(totals.routeSwitches),
        recent: switches.map((json) => JSON.parse(json) as RouteSwitch),
      },
      jobs: lifecycle(jobs),
      freeUtilisation: freeAvailable === 0 ? 0 : Math.min(1, free / freeAvailable),
      freeAvailable,
      backlog: await this.backlog(),
    };
  }

  /**
   * Free calls that were available since the stats began: FREE_QUOTA_LIMIT per
   * FREE_QUOTA_WINDOW_MS, counting every window since `since` (the open one included). Free
   * windows open on demand, so idle stretches count as capacity left unused.
   */
  private freeAvailable(since: number | null): number {
    if (since === null) return 0;
    const now = this.clockOverride ? this.clockOverride() : Date.now();
    const windows = Math.max(1, Math.ceil((now - since) / this.config.FREE_QUOTA_WINDOW_MS));
    return windows * this.config.FREE_QUOTA_LIMIT;
  }

  /** Entries not counted yet (new plus delivered-but-unacknowledged); null when unknown. */
  private async backlog(): Promise<number | null> {
    try {
      const groups = (await this.redis.xinfo('GROUPS', this.keys.stream)) as unknown[];
      for (const raw of groups) {
        const info = replyRecord(raw);
        if (info.name !== STATS_GROUP) continue;
        if (info.lag === null || info.lag === undefined) return null;
        return Number(info.lag) + Number(info.pending);
      }
      return null;
    } catch {
      return null; // no stream yet
    }
  }
}

function int(value: string | undefined): number {
  return value === undefined ? 0 : Number(value);
}

function outcomeCounts(): OutcomeCounts {
  return Object.fromEntries(ROUTE_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}

function byKind(routed: Hash): Record<JobKind, ProviderCounts> {
  const result = Object.fromEntries(
    JOB_KINDS.map((kind) => [
      kind,
      { free: outcomeCounts(), paid: outcomeCounts(), none: outcomeCounts() },
    ]),
  ) as Record<JobKind, ProviderCounts>;
  for (const [field, count] of Object.entries(routed)) {
    const [kind, provider, outcome] = field.split(':') as [
      JobKind,
      keyof ProviderCounts,
      RouteOutcome,
    ];
    const counts = result[kind]?.[provider];
    if (counts && outcome in counts) counts[outcome] = int(count);
  }
  return result;
}

function lifecycle(jobs: Hash): Stats['jobs'] {
  const zero = () => Object.fromEntries(LIFECYCLE_STAGES.map((s) => [s, 0])) as LifecycleCounts;
  const perKind = Object.fromEntries(JOB_KINDS.map((kind) => [kind, zero()])) as Record<
    JobKind,
    LifecycleCounts
  >;
  const total = zero();
  for (const [field, count] of Object.entries(jobs)) {
    const [stage, kind] = field.split(':') as [LifecycleStage, JobKind];
    if (!(stage in total) || !perKind[kind]) continue;
    perKind[kind][stage] = int(count);
    total[stage] += int(count);
  }
  return { ...total, byKind: perKind };
}

/** Nearest-rank percentiles of the newest samples. */
export function summarise(samples: string[]): LatencySummary {
  const sorted = samples.map(Number).sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p95: at(95), samples: sorted.length };
}
