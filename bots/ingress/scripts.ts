import type { Redis } from "ioredis";

/**
 * Lua scripts that make each ingress step atomic in Redis, so several `serve` processes can accept and
 * apply messages of the same conversation without losing or repeating one. They are registered with
 * `defineCommand`, so each call sends the script's SHA (EVALSHA), not its text.
 */

/**
 * Accept one inbound message.
 * KEYS: seen, inbox, pending, rate, limitedNotified, global
 * ARGV: providerHash, dedupeTtlSec, ciphertext, nowMs, sender, perSenderLimit, windowSec, globalLimit,
 *       inboxTtlSec, minuteMs (nowMs floored to the minute)
 * Returns {status, entryId}: "accepted" | "duplicate" | "busy" | "limited" | "limited-first".
 * `seen` is one sorted set per sender (member: keyed hash of the provider id, score: arrival minute): a
 * provider id always belongs to the same sender, and one set costs far less memory than a key per message.
 * Members older than the dedupe window are trimmed here. A "busy" (global cap) message is not marked as
 * seen, so the provider's retry is accepted later.
 * Times at rest are minutes, not milliseconds (security row 31): the seen and pending scores, and the
 * inbox entry ids, which are `<minute ms>-<n>` (never below the stream's last id, so they keep increasing).
 */
const acceptLua = `
local now = tonumber(ARGV[4])
local minute = ARGV[10]
local function entryId()
  local ms = minute
  if redis.call('EXISTS', KEYS[2]) == 1 then
    local info = redis.call('XINFO', 'STREAM', KEYS[2])
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then
        local last = string.match(info[i + 1], '^(%d+)-')
        if last and tonumber(last) >= tonumber(ms) then ms = last end
      end
    end
  end
  return ms .. '-*'
end
local ttlMs = tonumber(ARGV[2]) * 1000
local seenAt = redis.call('ZSCORE', KEYS[1], ARGV[1])
if seenAt and tonumber(seenAt) > now - ttlMs then return {'duplicate', ''} end
local g = redis.call('INCR', KEYS[6])
if g == 1 then redis.call('EXPIRE', KEYS[6], 2) end
if g > tonumber(ARGV[8]) then return {'busy', ''} end
local r = redis.call('INCR', KEYS[4])
if r == 1 then redis.call('EXPIRE', KEYS[4], tonumber(ARGV[7]) + 1) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttlMs)
redis.call('ZADD', KEYS[1], minute, ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
if r > tonumber(ARGV[6]) then
  if redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[7]) + 1) then
    local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', entryId(), 'k', 'limited')
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[9]))
    redis.call('ZADD', KEYS[3], 'NX', minute, ARGV[5])
    return {'limited-first', id}
  end
  return {'limited', ''}
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', entryId(), 'k', 'msg', 'e', ARGV[3])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[9]))
redis.call('ZADD', KEYS[3], 'NX', minute, ARGV[5])
return {'accepted', id}
`;

/**
 * Take a conversation's lock and read what applying needs, in one round trip.
 * KEYS: lock, state, inbox   ARGV: token, lockMs, batch
 * Returns {0} when another process holds the lock (it re-checks the inbox before letting go, see `finish`),
 * else {1, stateCiphertext or false, entryId1, fields1, entryId2, fields2, ...}.
 */
const beginLua = `
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]), 'NX') then return {0} end
local out = {1, redis.call('GET', KEYS[2])}
for _, e in ipairs(redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', tonumber(ARGV[3]))) do
  out[#out + 1] = e[1]
  out[#out + 1] = e[2]
end
return out
`;

/**
 * Save state only while still holding the lock (fencing), drop the applied inbox entry, extend the lock,
 * and schedule (or cancel) the conversation's reminder.
 * KEYS: lock, state, inbox, reminders
 * ARGV: token, ciphertext ('' = delete state), ttlSec, appliedEntryId ('' = none), lockMs,
 *       reminderAtMs ('' = no reminder), sender
 */
const saveStateLua = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ARGV[3])) end
if ARGV[4] ~= '' then redis.call('XDEL', KEYS[3], ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
if ARGV[6] == '' then redis.call('ZREM', KEYS[4], ARGV[7]) else redis.call('ZADD', KEYS[4], tonumber(ARGV[6]), ARGV[7]) end
return 1
`;

/**
 * End a drain. With the inbox empty: delete it (an empty stream still holds ~400 bytes for days), leave the
 * pending list and release the lock, atomically, so a message
 * accepted while we held the lock is never stranded (its own drain found the lock taken and left it to us).
 * With entries left, keep the lock and return their count so the caller goes on, unless `always` asks to
 * release anyway (the reminder path, which then schedules a drain itself).
 * KEYS: lock, inbox, pending   ARGV: token, sender, always ('1' | '0')
 * Returns the number of entries left, or -1 when the lock was no longer ours.
 */
const finishLua = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local left = redis.call('XLEN', KEYS[2])
if left == 0 then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('DEL', KEYS[2])
end
if left == 0 or ARGV[3] == '1' then redis.call('DEL', KEYS[1]) end
return left
`;

/** Release the lock if we still hold it (error paths). KEYS: lock  ARGV: token */
const releaseLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const definitions = {
  intakeAccept: { numberOfKeys: 6, lua: acceptLua },
  intakeBegin: { numberOfKeys: 3, lua: beginLua },
  intakeSaveState: { numberOfKeys: 4, lua: saveStateLua },
  intakeFinish: { numberOfKeys: 3, lua: finishLua },
  intakeRelease: { numberOfKeys: 1, lua: releaseLua },
} as const;

type ScriptArg = string | number | Buffer;
type ScriptCall = (...keysThenArgs: ScriptArg[]) => Promise<unknown>;
type Name = keyof typeof definitions;

/** The ingress's scripts, bound to one client; the `Buffer` forms return bulk strings as Buffers. */
export type IngressScripts = Record<Name | `${Name}Buffer`, ScriptCall>;

/**
 * Registers the scripts on `redis` (idempotent: the same names and text each time) and returns them as
 * functions taking KEYS then ARGV. ioredis sends EVALSHA and falls back to EVAL once after a NOSCRIPT
 * (a restarted or flushed Redis).
 */
export function bindIngressScripts(redis: Redis): IngressScripts {
  const client = redis as unknown as Record<string, ScriptCall | undefined>;
  const bound = {} as IngressScripts;
  for (const [name, definition] of Object.entries(definitions) as Array<
    [keyof typeof definitions, (typeof definitions)[keyof typeof definitions]]
  >) {
    if (typeof client[name] !== "function") redis.defineCommand(name, definition);
    for (const form of [name, `${name}Buffer`] as const) {
      const command = client[form] as ScriptCall;
      bound[form] = (...args) => command.apply(redis, args);
    }
  }
  return bound;
}
