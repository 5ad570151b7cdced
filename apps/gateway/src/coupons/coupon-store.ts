import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { campaignKey } from '../campaigns/campaign-keys';

export interface CouponRecord {
  code: string;
  campaign: string;
  owner: string;
  issuedAt: number;
  redeemedAt: number | null;
  redeemedBy: string | null;
}

export type RedeemResult = 'redeemed' | 'already-redeemed' | 'not-found' | 'not-owner';

/**
 * Stores all codes or none; returns the positions of codes that already existed (expected:
 * none). Codes already stored by the same job count as stored: a retried job is idempotent.
 */
const ISSUE_SCRIPT = `
local clashes = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and (ARGV[4] == '' or redis.call('HGET', key, 'job') ~= ARGV[4]) then
    table.insert(clashes, i)
  end
end
if #clashes > 0 then return clashes end
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'campaign', ARGV[1], 'owner', ARGV[2], 'issuedAt', ARGV[3], 'job', ARGV[4])
  end
end
return {}
`;

/**
 * Exactly once across replicas: the check and the mark are one step, and so is the count of
 * the coupon's campaign (ARGV[4] is the campaign key prefix). A stocked coupon (no owner yet)
 * does not exist for its users. Only coupons issued through a campaign (`counted`) count, so
 * codes of an ad-hoc campaign made before the campaign was created do not.
 */
const REDEEM_SCRIPT = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner or owner == '' then return 'not-found' end
if owner ~= ARGV[1] and ARGV[2] ~= '1' then return 'not-owner' end
if redis.call('HEXISTS', KEYS[1], 'redeemedAt') == 1 then return 'already-redeemed' end
redis.call('HSET', KEYS[1], 'redeemedAt', ARGV[3], 'redeemedBy', ARGV[1])
if redis.call('HGET', KEYS[1], 'counted') == '1' then
  redis.call('HINCRBY', ARGV[4] .. redis.call('HGET', KEYS[1], 'campaign'), 'redeemed', 1)
end
return 'redeemed'
`;

interface CouponCommands {
  spillwayIssueCoupons(numberOfKeys: number, ...args: Array<string | number>): Promise<number[]>;
  spillwayRedeemCoupon(key: string, ...args: Array<string | number>): Promise<RedeemResult>;
}

@Injectable()
export class CouponStore {
  private readonly commands: CouponCommands;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeyspace,
  ) {
    if (!('spillwayIssueCoupons' in redis)) {
      redis.defineCommand('spillwayIssueCoupons', { lua: ISSUE_SCRIPT });
      redis.defineCommand('spillwayRedeemCoupon', { numberOfKeys: 1, lua: REDEEM_SCRIPT });
    }
    this.commands = redis as unknown as CouponCommands;
  }

  key(code: string): string {
    return this.keys.key('coupon', code);
  }

  /** Records the codes as issued to `owner`; resolves false if any code already existed. */
  async issue(codes: string[], campaign: string, owner: string, jobId = ''): Promise<boolean> {
    const clash = await this.commands.spillwayIssueCoupons(
      codes.length,
      ...codes.map((code) => this.key(code)),
      campaign,
      owner,
      Date.now(),
      jobId,
    );
    return clash.length === 0;
  }

  async find(code: string): Promise<CouponRecord | null> {
    const fields = await this.redis.hgetall(this.key(code));
    if (!fields.owner || !fields.campaign) return null;
    return {
      code,
      campaign: fields.campaign,
      owner: fields.owner,
      issuedAt: Number(fields.issuedAt),
      redeemedAt: fields.redeemedAt ? Number(fields.redeemedAt) : null,
      redeemedBy: fields.redeemedBy ?? null,
    };
  }

  redeem(code: string, userId: string, isAdmin: boolean): Promise<RedeemResult> {
    return this.commands.spillwayRedeemCoupon(
      this.key(code),
      userId,
      isAdmin ? '1' : '0',
      Date.now(),
      campaignKey(this.keys, ''),
    );
  }
}
