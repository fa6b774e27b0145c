-- ARGV[1] request id, ARGV[2] worst-case nanos, ARGV[3] reservation ttl ms, ARGV[4] replace 1/0,
-- then per budget i (KEYS[3+i]): ARGV[5+3(i-1)] limit nanos (-1 = unlimited), [6+..] hard 1/0, [7+..] keep seconds.
-- Returns {1 reserved now | 2 already reserved | 3 already settled, amount, spent_1, reserved_1, ...}
-- or {0, amount, index of the exhausted budget, its spent, its reserved (without what this request holds)}.
-- Replace: the request's reservation, if any, is swapped for this one in one step (a fallback to another model):
-- the check counts the new amount in place of the old, and a refusal leaves the old one held.
local n = #KEYS - 3
if redis.call('EXISTS', KEYS[3]) == 1 then
  local out = {3, 0}
  for i = 1, n do
    table.insert(out, num(KEYS[3 + i], 'spent'))
    table.insert(out, num(KEYS[3 + i], 'reserved'))
  end
  return out
end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
-- what the request already holds on each budget key (replace only)
local held = {}
if existing and ARGV[4] == '1' then
  local amt, keys = entry_parts(existing)
  for _, k in ipairs(keys) do
    held[k] = tonumber(amt)
  end
elseif existing then
  local out = {2, tonumber(string.match(existing, '^[^\n]+'))}
  for i = 1, n do
    table.insert(out, num(KEYS[3 + i], 'spent'))
    table.insert(out, num(KEYS[3 + i], 'reserved'))
  end
  return out
end
local amount = tonumber(ARGV[2])
for i = 1, n do
  local k = KEYS[3 + i]
  local base = 5 + 3 * (i - 1)
  local limit = tonumber(ARGV[base])
  local others = math.max(0, num(k, 'reserved') - (held[k] or 0))
  if ARGV[base + 1] == '1' and limit >= 0 and num(k, 'spent') + others + amount > limit then
    return {0, amount, i, num(k, 'spent'), others}
  end
end
if existing then
  unreserve(existing)
end
local entry = ARGV[2]
local out = {1, amount}
for i = 1, n do
  local k = KEYS[3 + i]
  local keep = tonumber(ARGV[5 + 3 * (i - 1) + 2])
  redis.call('HINCRBY', k, 'reserved', ARGV[2])
  if keep > 0 and redis.call('TTL', k) < 0 then
    redis.call('EXPIRE', k, keep)
  end
  entry = entry .. '\n' .. k
  table.insert(out, num(k, 'spent'))
  table.insert(out, num(k, 'reserved'))
end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], entry)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
-- the index keys outlive their newest reservation, then vanish on their own (never shortened: replicas may
-- run with different TTLs)
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < ttl + 1000 then
    redis.call('PEXPIRE', KEYS[i], ttl + 1000)
  end
end
return out
