/**
 * The campaign counters and the coupon stock as Lua, so every check and its write are one
 * atomic step across replicas. Keys: see campaign-keys.ts. Times are Redis' clock.
 *
 * Campaign hash fields: prefix, limit, stockTarget, issued, redeemed, createdAt.
 * `issued` counts codes handed to users; live issues in flight hold a reservation in the
 * pending hash (id → "count:expiresAt") until they commit or expire, so the limit holds
 * while a provider call is running and a crashed replica's reservation lapses on its own.
 */

const HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Codes held by live issues in flight; drops reservations that have expired.
local function pending_count(key, now)
  local held = 0
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local count, expires = string.match(fields[i + 1], '^(%d+):(%d+)$')
    if tonumber(expires) <= now then
      redis.call('HDEL', key, fields[i])
    else
      held = held + tonumber(count)
    end
  end
  return held
end

local function campaign_numbers(key)
  local v = redis.call('HMGET', key, 'limit', 'stockTarget', 'issued')
  return tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
end
`;

/**
 * KEYS: campaign, campaigns (set of slugs)
 * ARGV: slug, prefix, limit, stockTarget
 * Returns 1 when created, 0 when the slug exists.
 */
export const CREATE_SCRIPT = `${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'prefix', ARGV[2], 'limit', ARGV[3], 'stockTarget', ARGV[4],
  'issued', 0, 'redeemed', 0, 'createdAt', now_ms())
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

/**
 * KEYS: campaign, stock, pending
 * Returns {} when there is no such campaign, else
 * {prefix, limit, stockTarget, issued, redeemed, inStock, pending}.
 */
export const SNAPSHOT_SCRIPT = `${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local v = redis.call('HMGET', KEYS[1], 'prefix', 'limit', 'stockTarget', 'issued', 'redeemed')
return {v[1], v[2], v[3], v[4], v[5], redis.call('LLEN', KEYS[2]), pending_count(KEYS[3], now_ms())}
`;

/**
 * Takes `count` ready coupons and issues them to `owner`, all or none.
 * KEYS: campaign, stock, pending
 * ARGV: count, owner, couponKeyPrefix, jobId
 * Returns {'missing'} | {'limit', available} | {'short'} | {'taken', entry...}
 *
 * The coupon hashes are named from the popped entries, so their keys cannot be declared
 * up front: this needs a single Redis (not Cluster), which is what Spillway runs on.
 */
export const TAKE_SCRIPT = `${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local count = tonumber(ARGV[1])
local now = now_ms()
local limit, _, issued = campaign_numbers(KEYS[1])
local available = limit - issued - pending_count(KEYS[3], now)
if count > available then return {'limit', math.max(0, available)} end
if redis.call('LLEN', KEYS[2]) < count then return {'short'} end
local entries = redis.call('LPOP', KEYS[2], count)
for _, entry in ipairs(entries) do
  local code = cjson.decode(entry).code
  redis.call('HSET', ARGV[3] .. code, 'owner', ARGV[2], 'issuedAt', now, 'job', ARGV[4])
end
redis.call('HINCRBY', KEYS[1], 'issued', count)
return {'taken', unpack(entries)}
`;

/**
 * Holds `count` codes of the limit for a live (provider) issue.
 * KEYS: campaign, pending
 * ARGV: reservationId, count, ttlMs
 * Returns {'missing'} | {'limit', available} | {'reserved', prefix}
 */
export const RESERVE_SCRIPT = `${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local count = tonumber(ARGV[2])
local now = now_ms()
local limit, _, issued = campaign_numbers(KEYS[1])
local available = limit - issued - pending_count(KEYS[2], now)
if count > available then return {'limit', math.max(0, available)} end
redis.call('HSET', KEYS[2], ARGV[1], count .. ':' .. (now + tonumber(ARGV[3])))
return {'reserved', redis.call('HGET', KEYS[1], 'prefix')}
`;

/**
 * Records a live issue's codes as issued to `owner` and turns its reservation into
 * `issued`, in one step. A code that already exists anywhere is a clash: nothing is
 * written and the reservation stays for the retry. A reservation that lapsed (a very slow
 * provider) is honoured only if the limit still has room.
 * KEYS: campaign, pending, coupon...
 * ARGV: reservationId, slug, owner, jobId
 * Returns 'issued' | 'clash' | 'limit'
 */
export const COMMIT_SCRIPT = `${HELPERS}
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 'clash' end
end
local count = #KEYS - 2
local now = now_ms()
local held = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local expires = held and tonumber(string.match(held, ':(%d+)$')) or 0
if expires <= now then
  local limit, _, issued = campaign_numbers(KEYS[1])
  if issued + pending_count(KEYS[2], now) + count > limit then return 'limit' end
end
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], 'campaign', ARGV[2], 'owner', ARGV[3], 'issuedAt', now,
    'job', ARGV[4], 'counted', '1')
end
redis.call('HINCRBY', KEYS[1], 'issued', count)
return 'issued'
`;

/**
 * Adds freshly made coupons to the stock, up to what the target and the limit leave room
 * for; codes that already exist are skipped. Each stocked code is reserved deployment-wide
 * at once (a coupon hash with no owner yet), so no other path can issue it.
 * KEYS: campaign, stock, pending, coupon...
 * ARGV: slug, entry... (one JSON {code, qr} per coupon key, same order)
 * Returns the number of coupons added.
 */
export const STOCK_SCRIPT = `${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local now = now_ms()
local limit, target, issued = campaign_numbers(KEYS[1])
local inStock = redis.call('LLEN', KEYS[2])
local room = math.min(target - inStock, limit - issued - pending_count(KEYS[3], now) - inStock)
local added = 0
for i = 4, #KEYS do
  if added >= room then break end
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 'campaign', ARGV[1], 'owner', '', 'stockedAt', now, 'counted', '1')
    redis.call('RPUSH', KEYS[2], ARGV[i - 2])
    added = added + 1
  end
end
return added
`;

/** KEYS: lease. ARGV: token, ttlMs. Extends the lease only while this holder owns it. */
export const RENEW_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** KEYS: lease. ARGV: token. Releases the lease only while this holder owns it. */
export const RELEASE_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
