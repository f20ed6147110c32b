import type { Redis } from "ioredis";

/**
 * Cross-process pacing (GCRA): every sender process asks Redis when it may make its next call, so the
 * configured rate holds across all processes (grammY's throttler is per process only). Returns how long
 * to wait, in ms, before the call; the slot is reserved.
 * KEYS: the pacing key  ARGV: nowMs, costMs, maxBurstMs
 */
const reserveScript = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now - burst)
redis.call('SET', KEYS[1], tostring(start + cost), 'PX', math.ceil(start + cost - now + 60000))
local wait = start - now
if wait < 0 then wait = 0 end
return math.ceil(wait)
`;

/**
 * Gives back a reserved slot whose call was refused by the provider's rate limit (a 429: nothing was sent,
 * and the provider does not count it as a message). Only time still ahead is returned: the next allowed
 * time moves back by the cost but never before now, so no credit accumulates in the past and the calls
 * that went through stay within the rate and burst.
 * KEYS: the pacing key  ARGV: nowMs, costMs
 */
const releaseScript = `
local now = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat <= now then return 0 end
local back = math.max(tat - tonumber(ARGV[2]), now)
redis.call('SET', KEYS[1], tostring(back), 'PX', math.ceil(back - now + 60000))
return 1
`;

/** Pushes the next allowed time forward (a provider said "retry after"). KEYS: key  ARGV: untilMs, ttlMs */
const pauseScript = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > tat then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;

export interface Pacer {
  /** Waits until a call costing `units` (messages or SMS segments) may be made, then returns. */
  acquire(key: string, units?: number): Promise<void>;
  /**
   * Returns the slot of an acquired call that the provider refused as rate-limited (nothing was sent), so
   * a 429 does not cost the whole fleet a send. Call it at most once per refused acquisition.
   */
  release(key: string, units?: number): Promise<void>;
  /** No call on `key` before `untilMs` (honours a provider's retry_after for that key). */
  pauseUntil(key: string, untilMs: number): Promise<void>;
  /** Waits while `key` is paused. */
  waitWhilePaused(key: string): Promise<void>;
}

export function createPacer(options: {
  redis: Redis;
  prefix: string;
  ratePerSecond: number;
  /** Burst allowance in units (1 = strictly paced). */
  burst?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Pacer {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const unitMs = 1000 / options.ratePerSecond;
  const burstMs = Math.max(0, ((options.burst ?? 1) - 1) * unitMs);
  const k = (key: string) => `${options.prefix}:pace:${key}`;
  const p = (key: string) => `${options.prefix}:pause:${key}`;
  return {
    async acquire(key, units = 1) {
      const wait = Number(
        await options.redis.eval(reserveScript, 1, k(key), clock(), units * unitMs, burstMs),
      );
      if (wait > 0) await sleep(wait);
    },
    async release(key, units = 1) {
      await options.redis.eval(releaseScript, 1, k(key), clock(), units * unitMs);
    },
    async pauseUntil(key, untilMs) {
      await options.redis.eval(pauseScript, 1, p(key), untilMs, Math.max(1000, untilMs - clock() + 1000));
    },
    async waitWhilePaused(key) {
      for (;;) {
        const until = Number((await options.redis.get(p(key))) ?? 0);
        const wait = until - clock();
        if (wait <= 0) return;
        await sleep(wait);
      }
    },
  };
}
