-- ARGV[1] request id, ARGV[2] worst-case nanos, ARGV[3] limit nanos (-1 = unlimited), ARGV[4] ttl ms
-- Returns {code, reserved nanos, spent, reserved total}: code 1 new, 2 existing, 3 already settled, 0 exhausted.
local spent, reserved = state()
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {3, 0, spent, reserved}
end
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  return {2, tonumber(existing), spent, reserved}
end
local amount = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
if limit >= 0 and spent + reserved + amount > limit then
  return {0, amount, spent, reserved}
end
local ttl = tonumber(ARGV[4])
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('SET', KEYS[4], ARGV[2], 'PX', ttl)
-- the index keys outlive their newest reservation, then vanish on their own (never shortened: replicas may
-- run with different TTLs)
for i = 2, 3 do
  if redis.call('PTTL', KEYS[i]) < ttl + 1000 then
    redis.call('PEXPIRE', KEYS[i], ttl + 1000)
  end
end
return {1, amount, spent, reserved + amount}
