-- ARGV[1] request id, ARGV[2] cost nanos, ARGV[3] settled ttl ms
-- Returns {code, cost, spent, reserved, released}: code 1 settled now, 2 already settled (cost is the first one).
local spent, reserved = state()
local settled = redis.call('GET', KEYS[5])
if settled then
  return {2, tonumber(settled), spent, reserved, 0}
end
local released = 0
local amt = redis.call('HGET', KEYS[3], ARGV[1])
if amt then
  redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. amt)
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  released = tonumber(amt)
end
redis.call('DEL', KEYS[4])
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
redis.call('SET', KEYS[5], ARGV[2], 'PX', tonumber(ARGV[3]))
return {1, tonumber(ARGV[2]), spent + tonumber(ARGV[2]), reserved - released, released}
