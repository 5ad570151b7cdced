/**
 * Applies a batch of stream entries to the statistics and acknowledges them, atomically.
 * An entry's updates run only when its XACK returns 1, i.e. this is the first time the
 * group sees it acknowledged: an entry redelivered after a crash, or claimed by another
 * consumer while the first was still working on it, is counted exactly once.
 *
 * KEYS: stream, then the STATS_KEY_ROLES keys in order
 * ARGV: group, then pairs of (entry id, JSON array of updates)
 *   update: ["incr", keyIndex, field, by] | ["sample", keyIndex, value, cap]
 *         | ["min", keyIndex, field, value]      (keyIndex indexes KEYS)
 * Returns the number of entries applied (acknowledged for the first time).
 */
export const APPLY_SCRIPT = `
local applied = 0
for i = 2, #ARGV, 2 do
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    applied = applied + 1
    for _, u in ipairs(cjson.decode(ARGV[i + 1])) do
      local key = KEYS[u[2]]
      if u[1] == 'incr' then
        redis.call('HINCRBY', key, u[3], u[4])
      elseif u[1] == 'sample' then
        redis.call('LPUSH', key, u[3])
        redis.call('LTRIM', key, 0, tonumber(u[4]) - 1)
      elseif u[1] == 'min' then
        local current = redis.call('HGET', key, u[3])
        if not current or tonumber(u[4]) < tonumber(current) then
          redis.call('HSET', key, u[3], u[4])
        end
      end
    end
  end
end
return applied
`;
