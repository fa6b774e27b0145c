-- Shared prologue of every budget script (prepended by BudgetStore).
-- KEYS[1] budget hash {spent, reserved}      KEYS[2] zset: request id -> expiry (ms, Redis clock)
-- KEYS[3] hash: request id -> reserved nanos  KEYS[4] reservation key (mirror with TTL)   KEYS[5] settled key
-- The zset and the amounts hash are the truth about reservations; expired ones are pruned here, so an
-- abandoned reservation stops counting as soon as any script touches the key after its expiry.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(expired) do
  local amt = redis.call('HGET', KEYS[3], id)
  if amt then
    redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. amt)
    redis.call('HDEL', KEYS[3], id)
  end
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
-- No live reservation left (or the zset expired as a whole): nothing is reserved. This also heals any drift.
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('HDEL', KEYS[1], 'reserved')
  redis.call('DEL', KEYS[3])
end
local function state()
  local s = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
  return tonumber(s[1] or '0'), tonumber(s[2] or '0')
end
