import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { CouponStore } from '../coupons/coupon-store';
import { campaignKeys, campaignSetKey, refillChannel, type CampaignKeys } from './campaign-keys';
import {
  COMMIT_SCRIPT,
  CREATE_SCRIPT,
  RELEASE_LEASE_SCRIPT,
  RENEW_LEASE_SCRIPT,
  RESERVE_SCRIPT,
  SNAPSHOT_SCRIPT,
  STOCK_SCRIPT,
  TAKE_SCRIPT,
} from './campaign-scripts';

export interface CampaignDefinition {
  slug: string;
  /** Upper case; its lower-case form is the provider-side campaign, so codes start with it. */
  prefix: string;
  limit: number;
  stockTarget: number;
}

export interface CampaignState extends CampaignDefinition {
  issued: number;
  redeemed: number;
  inStock: number;
  /** Codes held by live issues still in flight. */
  pending: number;
}

/** A ready coupon: its code and its QR code as a PNG data URL. */
export interface StockedCoupon {
  code: string;
  qr: string;
}

export type StockTake =
  | { type: 'taken'; coupons: StockedCoupon[] }
  | { type: 'short' }
  | { type: 'limit'; available: number }
  | { type: 'missing' };

export interface LiveReservation {
  id: string;
  slug: string;
  /** The campaign's prefix: the provider-side campaign is its lower-case form. */
  prefix: string;
}

export type LiveReserve =
  | { type: 'reserved'; reservation: LiveReservation }
  | { type: 'limit'; available: number }
  | { type: 'missing' };

type Reply = Array<string | number>;

interface CampaignCommands {
  spillwayCampaignCreate(...args: Array<string | number>): Promise<number>;
  spillwayCampaignSnapshot(...args: Array<string | number>): Promise<Reply>;
  spillwayCampaignTake(...args: Array<string | number>): Promise<string[]>;
  spillwayCampaignReserve(...args: Array<string | number>): Promise<string[]>;
  spillwayCampaignCommit(numberOfKeys: number, ...args: Array<string | number>): Promise<string>;
  spillwayCampaignStock(numberOfKeys: number, ...args: Array<string | number>): Promise<number>;
  spillwayLeaseRenew(...args: Array<string | number>): Promise<number>;
  spillwayLeaseRelease(...args: Array<string | number>): Promise<number>;
}

/**
 * Campaigns, their counters and their coupon stock in Redis (campaign-scripts.ts). Every
 * method that changes a count is one atomic script, so replicas never over-issue.
 */
@Injectable()
export class CampaignStore {
  private readonly commands: CampaignCommands;
  private readonly refillListeners: Array<(slug: string) => void> = [];

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: RedisKeyspace,
    private readonly coupons: CouponStore,
  ) {
    const define = (name: string, lua: string, numberOfKeys?: number) => {
      if (!(name in redis)) redis.defineCommand(name, { lua, numberOfKeys });
    };
    define('spillwayCampaignCreate', CREATE_SCRIPT, 2);
    define('spillwayCampaignSnapshot', SNAPSHOT_SCRIPT, 3);
    define('spillwayCampaignTake', TAKE_SCRIPT, 3);
    define('spillwayCampaignReserve', RESERVE_SCRIPT, 2);
    define('spillwayCampaignCommit', COMMIT_SCRIPT);
    define('spillwayCampaignStock', STOCK_SCRIPT);
    define('spillwayLeaseRenew', RENEW_LEASE_SCRIPT, 1);
    define('spillwayLeaseRelease', RELEASE_LEASE_SCRIPT, 1);
    this.commands = redis as unknown as CampaignCommands;
  }

  private keys(slug: string): CampaignKeys {
    return campaignKeys(this.keyspace, slug);
  }

  /** Resolves false when the slug is taken. */
  async create(definition: CampaignDefinition): Promise<boolean> {
    const { slug, prefix, limit, stockTarget } = definition;
    const created = await this.commands.spillwayCampaignCreate(
      this.keys(slug).campaign,
      campaignSetKey(this.keyspace),
      slug,
      prefix,
      limit,
      stockTarget,
    );
    return Number(created) === 1;
  }

  async state(slug: string): Promise<CampaignState | null> {
    const { campaign, stock, pending } = this.keys(slug);
    const reply = await this.commands.spillwayCampaignSnapshot(campaign, stock, pending);
    if (reply.length === 0) return null;
    const [prefix, ...numbers] = reply;
    const [limit, stockTarget, issued, redeemed, inStock, held] = numbers.map(Number);
    return {
      slug,
      prefix: String(prefix),
      limit,
      stockTarget,
      issued,
      redeemed,
      inStock,
      pending: held,
    };
  }

  slugs(): Promise<string[]> {
    return this.redis.smembers(campaignSetKey(this.keyspace));
  }

  /** Takes `count` ready coupons and issues them to `owner`, all or none. */
  async take(slug: string, count: number, owner: string, jobId: string): Promise<StockTake> {
    const { campaign, stock, pending } = this.keys(slug);
    const [type, ...rest] = await this.commands.spillwayCampaignTake(
      campaign,
      stock,
      pending,
      count,
      owner,
      this.coupons.key(''),
      jobId,
    );
    switch (type) {
      case 'taken':
        return { type, coupons: rest.map((entry) => JSON.parse(entry) as StockedCoupon) };
      case 'limit':
        return { type, available: Number(rest[0]) };
      case 'short':
      case 'missing':
        return { type };
      default:
        throw new Error(`unexpected take reply ${type}`);
    }
  }

  /** Holds `count` codes of the limit for a live issue, for at most `ttlMs`. */
  async reserve(slug: string, count: number, ttlMs: number): Promise<LiveReserve> {
    const { campaign, pending } = this.keys(slug);
    const id = randomUUID();
    const [type, value] = await this.commands.spillwayCampaignReserve(
      campaign,
      pending,
      id,
      count,
      Math.ceil(ttlMs),
    );
    switch (type) {
      case 'reserved':
        return { type, reservation: { id, slug, prefix: value } };
      case 'limit':
        return { type, available: Number(value) };
      case 'missing':
        return { type };
      default:
        throw new Error(`unexpected reserve reply ${type}`);
    }
  }

  /** Issues a live batch against its reservation (see COMMIT_SCRIPT). */
  async commit(
    reservation: LiveReservation,
    codes: string[],
    owner: string,
    jobId: string,
  ): Promise<'issued' | 'clash' | 'limit'> {
    const { campaign, pending } = this.keys(reservation.slug);
    const reply = await this.commands.spillwayCampaignCommit(
      2 + codes.length,
      campaign,
      pending,
      ...codes.map((code) => this.coupons.key(code)),
      reservation.id,
      reservation.slug,
      owner,
      jobId,
    );
    return reply as 'issued' | 'clash' | 'limit';
  }

  async release(reservation: LiveReservation): Promise<void> {
    await this.redis.hdel(this.keys(reservation.slug).pending, reservation.id);
  }

  /** Adds coupons to the stock as far as target and limit allow; resolves how many. */
  async stock(slug: string, coupons: StockedCoupon[]): Promise<number> {
    const { campaign, stock, pending } = this.keys(slug);
    const added = await this.commands.spillwayCampaignStock(
      3 + coupons.length,
      campaign,
      stock,
      pending,
      ...coupons.map((coupon) => this.coupons.key(coupon.code)),
      slug,
      ...coupons.map((coupon) => JSON.stringify(coupon)),
    );
    return Number(added);
  }

  async acquireLease(slug: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys(slug).lease, token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renewLease(slug: string, token: string, ttlMs: number): Promise<boolean> {
    return (
      Number(await this.commands.spillwayLeaseRenew(this.keys(slug).lease, token, ttlMs)) === 1
    );
  }

  async releaseLease(slug: string, token: string): Promise<void> {
    await this.commands.spillwayLeaseRelease(this.keys(slug).lease, token);
  }

  /** A take or a new campaign: wakes this process' refiller at once, other replicas via pub/sub. */
  requestRefill(slug: string): void {
    for (const listener of this.refillListeners) listener(slug);
    this.redis.publish(refillChannel(this.keyspace), slug).catch(() => undefined);
  }

  onRefillRequested(listener: (slug: string) => void): void {
    this.refillListeners.push(listener);
  }
}
