/**
 * The free quota model as Lua, run atomically by Redis on its own clock. docs/QUOTA.md
 * explains the model; keep the two in step. ARGV "now" is empty in production (Redis TIME)
 * and set by tests that replay exact timelines.
 */

const NOW = `
local function now_ms(override)
  if override ~= nil and override ~= '' then return tonumber(override) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * KEYS: window, blocked, circuit, probe, cautious
 * ARGV: limit, windowMs, guardMs, probeIntervalMs, now?
 * Returns {granted, windowId, used, resetInMs, reason, probe, now}
 *   reason: 'ok' | 'exhausted' | 'blocked' | 'circuit-open'
 */
export const RESERVE_SCRIPT = `${NOW}
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local guard = tonumber(ARGV[3])
local probeMs = tonumber(ARGV[4])
local now = now_ms(ARGV[5])

local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then
  return {0, 0, limit, blocked - now, 'blocked', 0, now}
end

local probe = 0
if redis.call('HGET', KEYS[3], 'open') == '1' then
  if redis.call('SET', KEYS[4], now, 'NX', 'PX', probeMs) then
    probe = 1
  else
    local wait = redis.call('PTTL', KEYS[4])
    if wait < 1 then wait = probeMs end
    return {0, 0, 0, wait, 'circuit-open', 0, now}
  end
end

local w = redis.call('HMGET', KEYS[1], 'anchor', 'end', 'count', 'carry', 'carryAnchor', 'synced')
local anchor = tonumber(w[1])
local wend = tonumber(w[2])
local count = tonumber(w[3]) or 0
local carry = tonumber(w[4]) or 0
local carryAnchor = tonumber(w[5])
local synced = w[6]
local cautious = redis.call('HGET', KEYS[1], 'cautious')

if wend == nil or now >= wend then
  if carry > 0 and carryAnchor ~= nil and carryAnchor + windowMs + guard > now then
    anchor = carryAnchor
    count = carry
  else
    anchor = now
    count = 0
  end
  wend = anchor + windowMs + guard
  carry = 0
  carryAnchor = nil
  synced = '0'
  cautious = redis.call('GET', KEYS[5])
  redis.call('DEL', KEYS[1], KEYS[5])
end

-- The first window after a 429 admits one request until the provider's answer is known.
if cautious and synced ~= '1' and count >= 1 then
  if probe == 1 then redis.call('DEL', KEYS[4]) end
  local wait = wend - now
  if wait > guard then wait = guard end
  return {0, anchor, count, wait, 'exhausted', 0, now}
end

if count >= limit then
  if probe == 1 then redis.call('DEL', KEYS[4]) end
  return {0, anchor, count, wend - now, 'exhausted', 0, now}
end

count = count + 1
local tail = 2 * guard
if synced == '1' then tail = guard end
if now >= wend - tail then
  carry = carry + 1
  if carryAnchor == nil then carryAnchor = now end
end

redis.call('HSET', KEYS[1], 'anchor', anchor, 'end', wend, 'count', count, 'carry', carry, 'synced', synced)
if carryAnchor ~= nil then redis.call('HSET', KEYS[1], 'carryAnchor', carryAnchor) end
if cautious then redis.call('HSET', KEYS[1], 'cautious', '1') end
redis.call('PEXPIRE', KEYS[1], (wend - now) + windowMs + guard)
return {1, anchor, count, wend - now, 'ok', probe, now}
`;

/**
 * KEYS: window
 * ARGV: limit, windowMs, guardMs, windowId, sentAt, remaining, resetMs, now?
 * The provider measured resetMs somewhere between sentAt and now, so its window ends in
 * [sentAt + resetMs, now + resetMs + 1] (the +1 covers its rounding) and began W earlier.
 * Returns 'synced' | 'shortened' | 'extended' | 'carried' | 'adopted' | 'ignored'
 */
export const SYNC_SCRIPT = `${NOW}
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local guard = tonumber(ARGV[3])
local windowId = tonumber(ARGV[4])
local sentAt = tonumber(ARGV[5])
local remaining = tonumber(ARGV[6])
local resetMs = tonumber(ARGV[7])
local now = now_ms(ARGV[8])
local upper = now + resetMs + 1
local lower = sentAt + resetMs
local used = limit - remaining

local w = redis.call('HMGET', KEYS[1], 'anchor', 'end', 'count', 'synced', 'carry', 'carryAnchor')
local anchor = tonumber(w[1])
local wend = tonumber(w[2])
local count = tonumber(w[3]) or 0
local synced = w[4]
local carry = tonumber(w[5]) or 0
local carryAnchor = tonumber(w[6])

local function stop_until(untilMs)
  redis.call('HSET', KEYS[1], 'end', untilMs, 'count', limit, 'carry', 0, 'synced', '1')
  redis.call('HDEL', KEYS[1], 'carryAnchor')
  redis.call('PEXPIRE', KEYS[1], untilMs - now + 1000)
end

if wend == nil or now >= wend then
  if lower <= now or remaining >= limit then return 'ignored' end
  if carry > 0 and carryAnchor ~= nil and lower - windowMs >= carryAnchor - guard then
    -- The provider window our carried tail grants opened: open the gateway window the
    -- next reservation would have opened, with the provider's own count and end.
    if used < carry then used = carry end
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'anchor', carryAnchor, 'end', upper, 'count', used, 'carry', 0, 'synced', '1')
    redis.call('PEXPIRE', KEYS[1], upper - now + 2000)
    return 'carried'
  end
  -- The provider certainly still counts a window the gateway thought was over.
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'anchor', now)
  stop_until(upper)
  return 'adopted'
end

if windowId ~= anchor then
  -- An answer from an earlier gateway window. Harmless when its provider window ended
  -- before this one began, or when it is this very window (opened by carried grants).
  -- Dangerous only when it certainly began earlier and reaches into this one.
  if upper <= anchor or lower - windowMs < anchor - guard then
    if lower > anchor then
      if upper < wend then upper = wend end
      stop_until(upper)
      return 'adopted'
    end
    return 'ignored'
  end
end

if used > count then count = used end
local result = 'synced'
if synced ~= '1' then
  -- First answer of the window: the provider's own end replaces the guard-based estimate.
  if upper < wend then result = 'shortened' elseif upper > wend then result = 'extended' end
  wend = upper
elseif upper < wend then
  wend = upper
  result = 'shortened'
elseif lower > wend then
  wend = upper
  result = 'extended'
end
redis.call('HSET', KEYS[1], 'end', wend, 'count', count, 'synced', '1')
redis.call('PEXPIRE', KEYS[1], wend - now + 2000)
return result
`;

/**
 * KEYS: window, blocked, cautious
 * ARGV: limit, windowMs, blockMs, now?
 * Returns the blocked-until time. The provider's own block outlasts its window, so the
 * gateway may open a new window when the block ends, carefully (see RESERVE).
 */
export const BLOCK_SCRIPT = `${NOW}
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local blockMs = tonumber(ARGV[3])
local now = now_ms(ARGV[4])
local untilMs = now + blockMs
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current > untilMs then untilMs = current end
redis.call('SET', KEYS[2], untilMs, 'PX', untilMs - now)
local wend = untilMs
redis.call('SET', KEYS[3], '1', 'PX', untilMs - now + windowMs)
redis.call('HSET', KEYS[1], 'end', wend, 'count', limit, 'carry', 0, 'synced', '1')
redis.call('HDEL', KEYS[1], 'carryAnchor')
if redis.call('HGET', KEYS[1], 'anchor') == false then redis.call('HSET', KEYS[1], 'anchor', now) end
redis.call('PEXPIRE', KEYS[1], wend - now + 1000)
return untilMs
`;

/**
 * KEYS: window, blocked, circuit, probe
 * ARGV: now?
 * Returns {now, anchor, end, count, blockedUntil, circuitOpen}
 */
export const SNAPSHOT_SCRIPT = `${NOW}
local now = now_ms(ARGV[1])
local w = redis.call('HMGET', KEYS[1], 'anchor', 'end', 'count')
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
local open = redis.call('HGET', KEYS[3], 'open') == '1'
return {now, w[1] or '', w[2] or '', w[3] or '0', blocked, open and 1 or 0}
`;

/**
 * Circuit breaker of the free provider, shared by every replica.
 * KEYS: circuit, probe
 * ARGV: threshold, failureWindowMs
 * Returns 1 when this failure opened (or kept open) the circuit.
 */
export const FAILURE_SCRIPT = `
local threshold = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if redis.call('HGET', KEYS[1], 'open') == '1' then
  redis.call('PEXPIRE', KEYS[1], 3600000)
  return 1
end
if failures >= threshold then
  redis.call('HSET', KEYS[1], 'open', '1')
  redis.call('PEXPIRE', KEYS[1], 3600000)
  return 1
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 0
`;
