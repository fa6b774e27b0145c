-- One upstream's circuit breaker, shared by every router replica. Atomic: the whole transition runs in Redis.
-- KEYS[1]  the breaker's hash: state (closed|open|half_open), fails, since (window start), until (ms)
-- ARGV[1]  op: allow | peek (allow's answer without taking the probe: a replica's background refresh) | success | failure
-- ARGV[2]  failure threshold, ARGV[3] window ms, ARGV[4] cool-down ms, ARGV[5] probe lease ms
-- Returns {state, allowed (1|0), failures in the window, ms until the state may change (0 if n/a)}.
-- Time is Redis' own clock (TIME), so replicas with skewed clocks agree.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1]
local op = ARGV[1]
local threshold = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cooldown = tonumber(ARGV[4])
local probe = tonumber(ARGV[5])
local h = redis.call('HMGET', key, 'state', 'fails', 'since', 'until')
local state = h[1] or 'closed'
local fails = tonumber(h[2] or '0')
local since = tonumber(h[3] or '0')
local untl = tonumber(h[4] or '0')
-- the hash forgets itself once nothing in it can matter any more
local ttl = window + cooldown + probe + 60000

if op == 'allow' or op == 'peek' then
  if state == 'closed' then
    return {'closed', 1, fails, 0}
  end
  if now < untl then
    -- open and cooling down, or half-open with a probe in flight: everyone else keeps off
    return {state, 0, fails, untl - now}
  end
  if op == 'peek' then
    -- cooled down: the next caller's own allow takes the probe, never a look
    return {state, 0, fails, 0}
  end
  -- cooled down (or the last probe's lease ran out): this caller is the probe
  redis.call('HSET', key, 'state', 'half_open', 'until', now + probe)
  redis.call('PEXPIRE', key, ttl)
  return {'half_open', 1, fails, probe}
end

if op == 'success' then
  if state == 'half_open' then
    redis.call('DEL', key)
    return {'closed', 1, 0, 0}
  end
  -- closed: failures are counted in a window, a success does not erase them;
  -- open: a late answer from before it opened does not close it (the probe decides)
  return {state, state == 'closed' and 1 or 0, fails, 0}
end

-- failure
if state == 'half_open' then
  redis.call('HSET', key, 'state', 'open', 'until', now + cooldown)
  redis.call('PEXPIRE', key, ttl)
  return {'open', 0, fails, cooldown}
end
if state == 'open' then
  return {'open', 0, fails, math.max(0, untl - now)}
end
if now - since > window then
  fails = 0
  since = now
end
fails = fails + 1
if fails >= threshold then
  redis.call('HSET', key, 'state', 'open', 'fails', fails, 'since', since, 'until', now + cooldown)
  redis.call('PEXPIRE', key, ttl)
  return {'open', 0, fails, cooldown}
end
redis.call('HSET', key, 'state', 'closed', 'fails', fails, 'since', since)
redis.call('PEXPIRE', key, ttl)
return {'closed', 1, fails, 0}
