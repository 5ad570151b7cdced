import { APP_CONFIG } from '@app/config';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../gateway.config';
import { quotaKeys, type QuotaKeys } from './quota-keys';
import {
  BLOCK_SCRIPT,
  FAILURE_SCRIPT,
  RESERVE_SCRIPT,
  SNAPSHOT_SCRIPT,
  SYNC_SCRIPT,
} from './quota-scripts';

export type ReservationMode = 'sync' | 'background';

export type DenialReason = 'exhausted' | 'blocked' | 'circuit-open';

export type QuotaDecision =
  | {
      granted: true;
      windowId: number;
      /** Redis time of the grant: the earliest the provider can have seen the request. */
      grantedAt: number;
      used: number;
      resetInMs: number;
      probe: boolean;
    }
  | { granted: false; reason: DenialReason; retryAfterMs: number };

export interface QuotaSnapshot {
  limit: number;
  windowMs: number;
  used: number;
  remaining: number;
  resetInMs: number;
  blockedUntil: number | null;
  circuitOpen: boolean;
}

/** What a free provider response said about its own quota. */
export interface ProviderQuotaHeaders {
  remaining: number;
  resetMs: number;
}

type Reply = Array<string | number>;

interface QuotaCommands {
  spillwayReserve(...args: Array<string | number>): Promise<Reply>;
  spillwaySync(...args: Array<string | number>): Promise<string>;
  spillwayBlock(...args: Array<string | number>): Promise<number>;
  spillwaySnapshot(...args: Array<string | number>): Promise<Reply>;
  spillwayFailure(...args: Array<string | number>): Promise<number>;
}

/**
 * The exact free quota shared by all gateway replicas (docs/QUOTA.md). Each method is one
 * Redis round trip; ioredis runs the scripts by SHA and reloads them after NOSCRIPT (a
 * Redis restart or SCRIPT FLUSH).
 */
@Injectable()
export class FreeQuotaService {
  private readonly keys: QuotaKeys;
  private readonly commands: QuotaCommands;
  /** Now-override for tests that replay exact timelines; empty = Redis' clock. */
  clockOverride: (() => number) | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.keys = quotaKeys(keyspace);
    const define = (name: string, keys: number, lua: string) => {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua });
    };
    define('spillwayReserve', 5, RESERVE_SCRIPT);
    define('spillwaySync', 1, SYNC_SCRIPT);
    define('spillwayBlock', 3, BLOCK_SCRIPT);
    define('spillwaySnapshot', 3, SNAPSHOT_SCRIPT);
    define('spillwayFailure', 2, FAILURE_SCRIPT);
    this.commands = redis as unknown as QuotaCommands;
  }

  private now(): string {
    return this.clockOverride ? String(this.clockOverride()) : '';
  }

  get limit(): number {
    return this.config.FREE_QUOTA_LIMIT;
  }

  /** Slots per window background work may take; at least one, so it always progresses. */
  get backgroundLimit(): number {
    const kept = Math.ceil((this.limit * this.config.JOBS_SYNC_SHARE_PERCENT) / 100);
    return Math.max(1, this.limit - kept);
  }

  /**
   * Reserves a free slot. Background work (async jobs, stock refills) may only use the part
   * of a window that JOBS_SYNC_SHARE_PERCENT leaves, so live requests are never starved.
   */
  async reserve(mode: ReservationMode = 'sync'): Promise<QuotaDecision> {
    const { window, blocked, circuit, probe, cautious } = this.keys;
    const reply = await this.commands.spillwayReserve(
      window,
      blocked,
      circuit,
      probe,
      cautious,
      mode === 'sync' ? this.config.FREE_QUOTA_LIMIT : this.backgroundLimit,
      this.config.FREE_QUOTA_WINDOW_MS,
      this.config.FREE_QUOTA_GUARD_MS,
      this.config.FREE_CIRCUIT_PROBE_INTERVAL_MS,
      this.now(),
    );
    const [granted, windowId, used, resetInMs, reason, isProbe, now] = reply;
    if (Number(granted) === 1) {
      return {
        granted: true,
        windowId: Number(windowId),
        grantedAt: Number(now),
        used: Number(used),
        resetInMs: Number(resetInMs),
        probe: Number(isProbe) === 1,
      };
    }
    return {
      granted: false,
      reason: reason as DenialReason,
      retryAfterMs: Math.max(1, Number(resetInMs)),
    };
  }

  /** Corrects the model from a free response's RateLimit headers. */
  sync(
    grant: { windowId: number; grantedAt: number },
    headers: ProviderQuotaHeaders,
  ): Promise<string> {
    return this.commands.spillwaySync(
      this.keys.window,
      this.config.FREE_QUOTA_LIMIT,
      this.config.FREE_QUOTA_WINDOW_MS,
      this.config.FREE_QUOTA_GUARD_MS,
      grant.windowId,
      grant.grantedAt,
      headers.remaining,
      headers.resetMs,
      this.now(),
    );
  }

  /** The provider said 429: nobody sends to it before `blockMs` has passed. */
  async block(blockMs: number): Promise<number> {
    return Number(
      await this.commands.spillwayBlock(
        this.keys.window,
        this.keys.blocked,
        this.keys.cautious,
        this.config.FREE_QUOTA_LIMIT,
        this.config.FREE_QUOTA_WINDOW_MS,
        Math.max(1, Math.ceil(blockMs)),
        this.now(),
      ),
    );
  }

  /** Counts a failure of free; resolves true when the circuit is (now) open. */
  async recordFailure(): Promise<boolean> {
    const opened = await this.commands.spillwayFailure(
      this.keys.circuit,
      this.keys.probe,
      this.config.FREE_CIRCUIT_FAILURE_THRESHOLD,
      this.config.FREE_CIRCUIT_FAILURE_WINDOW_MS,
    );
    return Number(opened) === 1;
  }

  /** A good answer from free closes the circuit and forgets earlier failures. */
  async recordRecovery(): Promise<void> {
    await this.redis.del(this.keys.circuit, this.keys.probe);
  }

  async snapshot(): Promise<QuotaSnapshot> {
    const { window, blocked, circuit } = this.keys;
    const [now, anchor, end, count, blockedUntil, open] = await this.commands.spillwaySnapshot(
      window,
      blocked,
      circuit,
      this.now(),
    );
    const nowMs = Number(now);
    const endMs = end === '' ? null : Number(end);
    const active = endMs !== null && endMs > nowMs && anchor !== '';
    const used = active ? Math.min(Number(count), this.limit) : 0;
    const blockedMs = Number(blockedUntil);
    const isBlocked = blockedMs > nowMs;
    return {
      limit: this.limit,
      windowMs: this.config.FREE_QUOTA_WINDOW_MS,
      used: isBlocked ? this.limit : used,
      remaining: isBlocked ? 0 : this.limit - used,
      resetInMs: isBlocked ? blockedMs - nowMs : active ? endMs - nowMs : 0,
      blockedUntil: isBlocked ? blockedMs : null,
      circuitOpen: Number(open) === 1,
    };
  }
}
