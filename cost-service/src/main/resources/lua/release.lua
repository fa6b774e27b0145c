-- ARGV[1] request id. Returns {released nanos}: 0 when nothing was reserved (or it was released, expired or settled).
local e = redis.call('HGET', KEYS[2], ARGV[1])
if not e then
  return {0}
end
local amt = unreserve(e)
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return {amt}
