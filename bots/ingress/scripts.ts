/**
 * Lua scripts that make each ingress step atomic in Redis, so several `serve` processes can accept and
 * apply messages of the same conversation without losing or repeating one.
 */

/**
 * Accept one inbound message.
 * KEYS: dedupe, inbox, pending, rate, limitedNotified, global
 * ARGV: dedupeTtlSec, ciphertext, nowMs, sender, perSenderLimit, windowSec, globalLimit, inboxTtlSec
 * Returns {status, entryId}: "accepted" | "duplicate" | "busy" | "limited" | "limited-first".
 * A "busy" (global cap) message is not marked as seen, so the provider's retry is accepted later.
 */
export const acceptScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'duplicate', ''} end
local g = redis.call('INCR', KEYS[6])
if g == 1 then redis.call('EXPIRE', KEYS[6], 2) end
if g > tonumber(ARGV[7]) then return {'busy', ''} end
local r = redis.call('INCR', KEYS[4])
if r == 1 then redis.call('EXPIRE', KEYS[4], tonumber(ARGV[6]) + 1) end
redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[1]))
if r > tonumber(ARGV[5]) then
  if redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[6]) + 1) then
    local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', '*', 'k', 'limited')
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[8]))
    redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[4])
    return {'limited-first', id}
  end
  return {'limited', ''}
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', '*', 'k', 'msg', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[8]))
redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[4])
return {'accepted', id}
`;

/**
 * Save state only while still holding the lock (fencing), and drop the applied inbox entry.
 * KEYS: lock, state, inbox   ARGV: token, ciphertext ('' = delete state), ttlSec, appliedEntryId
 */
export const saveStateScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ARGV[3])) end
if ARGV[4] ~= '' then redis.call('XDEL', KEYS[3], ARGV[4]) end
return 1
`;

/** Release the lock if we still hold it. KEYS: lock  ARGV: token */
export const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Extend the lock if we still hold it. KEYS: lock  ARGV: token, ttlMs */
export const extendScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 0
`;

/** Drop a sender from the pending list when its inbox is empty. KEYS: inbox, pending  ARGV: sender */
export const settleScript = `
if redis.call('XLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) return 1 end
return 0
`;
