-- Shared prologue of every budget script (prepended by BudgetStore). All keys carry the tenant's hash tag.
-- KEYS[1] zset: request id -> expiry (ms, Redis clock)   KEYS[2] hash: request id -> "amount\nbudget key\n..."
-- KEYS[3] settled key of this request                    KEYS[4..] budget hashes {spent, reserved, alerted}
-- The zset and the entries hash are the truth about reservations; expired ones are pruned here, so an
-- abandoned reservation stops counting as soon as any script of the tenant runs after its expiry.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(key, field)
  return tonumber(redis.call('HGET', key, field) or '0')
end
-- A reservation entry's amount (as stored, a string) and the budget keys it was reserved on.
local function entry_parts(entry)
  local amt, keys = nil, {}
  for part in string.gmatch(entry, '[^\n]+') do
    if not amt then
      amt = part
    else
      table.insert(keys, part)
    end
  end
  return amt, keys
end
-- Gives an entry's amount back to every budget it was reserved on (a counter that expired meanwhile is left
-- alone rather than recreated with a negative value). Returns the amount.
local function unreserve(entry)
  local amt, keys = entry_parts(entry)
  for _, k in ipairs(keys) do
    if redis.call('EXISTS', k) == 1 then
      redis.call('HINCRBY', k, 'reserved', '-' .. amt)
    end
  end
  return tonumber(amt)
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(expired) do
  local e = redis.call('HGET', KEYS[2], id)
  if e then
    unreserve(e)
    redis.call('HDEL', KEYS[2], id)
  end
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
end
-- No live reservation left in the tenant: the budgets touched here hold none either (this heals any drift).
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  for i = 4, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then
      redis.call('HSET', KEYS[i], 'reserved', 0)
    end
  end
end
