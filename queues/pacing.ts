import type { Redis } from "ioredis";

/**
 * Cross-process pacing (GCRA): every sender process asks Redis whether it may make its next call now, so
 * the configured rate holds across all processes (grammY's throttler is per process only). A slot is taken
 * only when it is due: returns [1, the new next-allowed time] when taken, or [0, ms to wait] when not yet
 * due (nothing reserved; ask again then). Taking slots only when due, instead of reserving far ahead, is
 * what lets a refused call give its slot back exactly (see releaseScript).
 * KEYS: the pacing key  ARGV: nowMs, costMs, maxBurstMs
 */
const takeScript = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now - burst)
if start > now then return {0, math.ceil(start - now)} end
local nextAllowed = tostring(start + cost)
redis.call('SET', KEYS[1], nextAllowed, 'PX', math.ceil(start + cost - now + 60000))
return {1, nextAllowed}
`;

/**
 * Gives back the slot of a call the provider refused as rate-limited (a 429: nothing was sent, and the
 * provider does not count it), but only while no other call has taken a slot since: then the state is
 * exactly as if the refused call had not been made, and the calls that go through stay within rate and
 * burst in every window. Once another call took the next slot, the refused slot is in the past and is not
 * given back (using it later would exceed the rate).
 * KEYS: the pacing key  ARGV: the next-allowed time the refused call left, the time to restore, nowMs
 */
const releaseScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local back = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[2], 'PX', math.max(1, math.ceil(back - tonumber(ARGV[3]) + 60000)))
return 1
`;

/** Pushes the next allowed time forward (a provider said "retry after"). KEYS: key  ARGV: untilMs, ttlMs */
const pauseScript = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > tat then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;

/** A slot taken by `acquire`, to hand back with `release` if the provider refused the call. */
export interface PaceSlot {
  readonly key: string;
  /** The next-allowed time this slot left behind (as stored), and the one before it. */
  readonly after: string;
  readonly before: string;
}

export interface Pacer {
  /** Waits until a call costing `units` (messages or SMS segments) may be made, takes the slot, returns it. */
  acquire(key: string, units?: number): Promise<PaceSlot>;
  /**
   * Returns the slot of a call the provider refused as rate-limited (nothing was sent), if no other call
   * took a slot since; so a 429 usually costs the fleet no send. Resolves whether it was given back.
   */
  release(slot: PaceSlot): Promise<boolean>;
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
      const cost = units * unitMs;
      for (;;) {
        const [taken, value] = (await options.redis.eval(takeScript, 1, k(key), clock(), cost, burstMs)) as [
          number,
          string | number,
        ];
        if (Number(taken) === 1) {
          const after = String(value);
          return { key, after, before: String(Number(after) - cost) };
        }
        await sleep(Math.max(1, Number(value)));
      }
    },
    async release(slot) {
      return (
        (await options.redis.eval(releaseScript, 1, k(slot.key), slot.after, slot.before, clock())) === 1
      );
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
