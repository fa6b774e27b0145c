-- ARGV[1] request id. Returns {released nanos, spent, reserved}; 0 when nothing was reserved (or already released).
local spent, reserved = state()
local amt = redis.call('HGET', KEYS[3], ARGV[1])
if not amt then
  redis.call('DEL', KEYS[4])
  return {0, spent, reserved}
end
redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. amt)
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[4])
return {tonumber(amt), spent, reserved - tonumber(amt)}
