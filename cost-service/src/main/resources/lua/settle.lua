-- ARGV[1] request id, ARGV[2] cost nanos, ARGV[3] settled ttl ms,
-- then per budget i (KEYS[3+i]): ARGV[4+2(i-1)] limit nanos (-1 = unlimited), [5+..] keep seconds.
-- Returns {1 settled now | 2 already settled, cost (the first one), then per budget: spent, reserved,
-- threshold crossed now (50, 80, 100 or 0)}. Each threshold is reported once per budget counter.
local n = #KEYS - 3
local settled = redis.call('GET', KEYS[3])
if settled then
  local out = {2, tonumber(settled)}
  for i = 1, n do
    table.insert(out, num(KEYS[3 + i], 'spent'))
    table.insert(out, num(KEYS[3 + i], 'reserved'))
    table.insert(out, 0)
  end
  return out
end
local e = redis.call('HGET', KEYS[2], ARGV[1])
if e then
  unreserve(e)
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
local cost = tonumber(ARGV[2])
local out = {1, cost}
for i = 1, n do
  local k = KEYS[3 + i]
  local base = 4 + 2 * (i - 1)
  local limit = tonumber(ARGV[base])
  local keep = tonumber(ARGV[base + 1])
  local after = redis.call('HINCRBY', k, 'spent', ARGV[2])
  if keep > 0 and redis.call('TTL', k) < 0 then
    redis.call('EXPIRE', k, keep)
  end
  local crossed = 0
  if limit > 0 then
    local alerted = num(k, 'alerted')
    for _, pct in ipairs({50, 80, 100}) do
      if pct > alerted and after * 100 >= limit * pct then
        crossed = pct
      end
    end
    if crossed > 0 then
      redis.call('HSET', k, 'alerted', crossed)
    end
  end
  table.insert(out, after)
  table.insert(out, num(k, 'reserved'))
  table.insert(out, crossed)
end
redis.call('SET', KEYS[3], ARGV[2], 'PX', tonumber(ARGV[3]))
return out
