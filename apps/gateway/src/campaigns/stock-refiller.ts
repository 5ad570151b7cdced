import { APP_CONFIG } from '@app/config';
import type { AuthenticatedUser } from '@app/contracts';
import { COUPON_MAX_COUNT, type CouponBatch } from '@app/jobs';
import { createRedisClient, RedisKeyspace } from '@app/redis';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { presentCoupon } from '../coupons/coupon-qr';
import type { GatewayConfig } from '../gateway.config';
import { JobRouter } from '../routing/job-router.service';
import { NoIdleFreeCapacityError } from '../routing/routing.errors';
import { refillChannel } from './campaign-keys';
import { CampaignStore, type CampaignState, type StockedCoupon } from './campaign-store';

/** The identity refills run under: free plan, so nothing can ever send them to paid. */
const STOCK_USER: AuthenticatedUser = {
  id: 'system:stock',
  email: 'stock@spillway.local',
  plan: 'free',
  role: 'admin',
};

/** Catches what pub/sub misses (a replica that was disconnected, a lease that was busy). */
const POLL_INTERVAL_MS = 500;
/** Spreads replicas that were all told to wait the same time. */
const RETRY_JITTER_MS = 50;
const ERROR_BACKOFF_MS = 1000;
const MAX_ERROR_BACKOFF_MS = 30_000;

/**
 * Keeps each campaign's stock at its target using only idle free quota (background
 * reservations, free only: JOBS_SYNC_SHARE_PERCENT of each window stays with live traffic).
 * Runs in worker-capable replicas; a Redis lease per campaign lets one replica at a time
 * refill it. Woken by takes (locally at once, other replicas through pub/sub), at startup,
 * and by a short poll.
 */
@Injectable()
export class StockRefiller
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(StockRefiller.name);
  private readonly running = new Map<string, Promise<void>>();
  /** Per campaign: no refill attempt before this time (free said wait, or an error). */
  private readonly notBefore = new Map<string, number>();
  private readonly errorBackoff = new Map<string, number>();
  private subscriber: Redis | null = null;
  private poll: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Longer than one provider call plus rendering its QR codes; renewed every batch. */
  private readonly leaseMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly store: CampaignStore,
    private readonly router: JobRouter,
    private readonly keys: RedisKeyspace,
  ) {
    this.leaseMs = 2 * config.FREE_TIMEOUT_MS + 10_000;
  }

  onApplicationBootstrap(): void {
    this.store.onRefillRequested((slug) => this.wake(slug));
    const channel = refillChannel(this.keys);
    // Subscriptions are replayed by ioredis after a reconnect; the poll covers the gap.
    this.subscriber = createRedisClient(this.config, 'campaign-stock', undefined, {
      enableOfflineQueue: true,
    });
    this.subscriber.on('message', (_channel: string, slug: string) => this.wake(slug));
    this.subscriber.subscribe(channel).catch((error: unknown) => this.warn('subscribe', error));
    this.poll = setInterval(() => this.wakeAll(), POLL_INTERVAL_MS);
    this.poll.unref();
    this.wakeAll();
  }

  /** Lets a refill in progress store what it made while Redis is still connected. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.poll) clearInterval(this.poll);
    await Promise.allSettled(this.running.values());
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  private wakeAll(): void {
    this.store.slugs().then(
      (slugs) => slugs.forEach((slug) => this.wake(slug)),
      (error: unknown) => this.warn('list campaigns', error),
    );
  }

  /** Starts a refill of `slug` unless one runs here already or the campaign must wait. */
  wake(slug: string): void {
    if (this.stopping || this.running.has(slug)) return;
    if ((this.notBefore.get(slug) ?? 0) > Date.now()) return;
    const task = this.refill(slug)
      .catch((error: unknown) => this.failed(slug, error))
      .finally(() => this.running.delete(slug));
    this.running.set(slug, task);
  }

  private async refill(slug: string): Promise<void> {
    // A look without the lease first, so a full stock costs no SET NX on every wake.
    const seen = await this.store.state(slug);
    if (!seen || this.deficit(seen) <= 0) return;
    const token = randomUUID();
    if (!(await this.store.acquireLease(slug, token, this.leaseMs))) return;
    try {
      // Re-read under the lease: the previous holder may have just filled it.
      let state = await this.store.state(slug);
      while (!this.stopping && state && this.deficit(state) > 0) {
        const count = Math.min(COUPON_MAX_COUNT, this.deficit(state));
        const made = await this.make(slug, state.prefix, count);
        if (!made) return;
        await this.store.stock(slug, made);
        this.errorBackoff.delete(slug);
        if (!(await this.store.renewLease(slug, token, this.leaseMs))) return;
        state = await this.store.state(slug);
      }
    } finally {
      await this.store.releaseLease(slug, token).catch(() => undefined);
    }
  }

  /** Ready coupons the campaign lacks: up to its target, never past its limit. */
  private deficit(state: CampaignState): number {
    const room = state.limit - state.issued - state.pending - state.inStock;
    return Math.min(state.stockTarget - state.inStock, room);
  }

  /** One free call for `count` codes with their QR images, or null when free has no idle slot. */
  private async make(slug: string, prefix: string, count: number): Promise<StockedCoupon[] | null> {
    const jobId = `stock-${slug}-${randomUUID()}`;
    try {
      const routed = await this.router.route(
        { kind: 'coupon', body: { campaign: prefix.toLowerCase(), count } },
        {
          user: STOCK_USER,
          jobId,
          requestId: jobId,
          origin: 'stock',
          mode: 'background',
          freeOnly: true,
        },
      );
      const { codes } = routed.value as CouponBatch;
      return Promise.all(
        codes.map(async (code) => {
          const { qr } = await presentCoupon(code, slug, true);
          return { code, qr: qr ?? '' };
        }),
      );
    } catch (error) {
      if (!(error instanceof NoIdleFreeCapacityError)) throw error;
      this.waitThenWake(slug, error.retryAfterMs + Math.floor(Math.random() * RETRY_JITTER_MS));
      return null;
    }
  }

  private failed(slug: string, error: unknown): void {
    const backoff = Math.min(
      MAX_ERROR_BACKOFF_MS,
      (this.errorBackoff.get(slug) ?? ERROR_BACKOFF_MS / 2) * 2,
    );
    this.errorBackoff.set(slug, backoff);
    this.warn(`refill ${slug}`, error);
    this.waitThenWake(slug, backoff);
  }

  private waitThenWake(slug: string, waitMs: number): void {
    this.notBefore.set(slug, Date.now() + waitMs);
    setTimeout(() => {
      this.notBefore.delete(slug);
      this.wake(slug);
    }, waitMs).unref();
  }

  private warn(step: string, error: unknown): void {
    this.logger.warn(`${step}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
