import type { RedisKeyspace } from '@app/redis';

/**
 * Every Redis key of the campaigns:
 * campaign:<slug>          hash: prefix, limit, stockTarget, issued, redeemed, createdAt
 * campaign:<slug>:stock    list of ready coupons, JSON {code, qr}, oldest first
 * campaign:<slug>:pending  hash: live issues in flight, reservation id → "count:expiresAt"
 * campaign:<slug>:refill   string: the refill lease (one refiller per campaign at a time)
 * campaigns                set of slugs, for the refillers
 * campaigns:refill         pub/sub channel: a slug whose stock may need a refill (taken from, created)
 */
export function campaignKeys(keys: RedisKeyspace, slug: string) {
  return {
    campaign: campaignKey(keys, slug),
    stock: keys.key('campaign', slug, 'stock'),
    pending: keys.key('campaign', slug, 'pending'),
    lease: keys.key('campaign', slug, 'refill'),
  };
}

export type CampaignKeys = ReturnType<typeof campaignKeys>;

export function campaignKey(keys: RedisKeyspace, slug: string): string {
  return keys.key('campaign', slug);
}

export function campaignSetKey(keys: RedisKeyspace): string {
  return keys.key('campaigns');
}

export function refillChannel(keys: RedisKeyspace): string {
  return keys.key('campaigns', 'refill');
}
