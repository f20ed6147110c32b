import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** Limits of the sign-in throttle; the defaults suit a team of tens of staff. */
export interface LoginLimits {
  /** First wait after a failure for one (name, address) pair; it doubles with each failure. */
  readonly baseDelayMs: number;
  /** Longest wait for one pair. */
  readonly maxDelayMs: number;
  /** A pair's failures are forgotten this long after its last one. */
  readonly pairMemoryMs: number;
  /** Attempts one address may have checked per window, whatever the names. */
  readonly perAddress: number;
  readonly addressWindowMs: number;
  /** Attempts checked per window across all addresses: a circuit breaker against distributed floods. */
  readonly global: number;
  readonly globalWindowMs: number;
  /**
   * A failed sign-in is answered no sooner than this after it arrived, whatever failed: together with the
   * dummy hash for unknown names and the unawaited audit write, existing and unknown names take the same time
   * unless the server is so loaded that the check itself takes longer.
   */
  readonly failureFloorMs: number;
}

export const defaultLoginLimits: LoginLimits = {
  baseDelayMs: 2_000,
  maxDelayMs: 15 * 60_000,
  pairMemoryMs: 3_600_000,
  perAddress: 10,
  addressWindowMs: 15 * 60_000,
  global: 60,
  globalWindowMs: 60_000,
  failureFloorMs: 150,
};

/** What the throttle says about one attempt. */
export type LoginAdmission =
  | {
      readonly admitted: true /** The wait the pair now faces if this attempt fails. */;
      readonly failDelayMs: number;
    }
  | { readonly admitted: false; readonly waitMs: number };

/**
 * Sign-in throttling keyed on (name, address), per address and globally. An attempt is counted before it is
 * checked, in one Lua script, so parallel attempts cannot slip through between a read and a write; a pair
 * with a pending wait is refused without being checked. Nothing is keyed on the name alone, so wrong
 * passphrases from other addresses never lock a member out of their own address; the per-address budget
 * stops one address from trying many names, and the global budget bounds the work (one Argon2id verify per
 * admitted attempt) and the Redis memory (one small hash per admitted pair, forgotten after
 * `pairMemoryMs`) that a flood from many addresses can cost.
 */
export interface LoginThrottle {
  /** Counts an attempt and says whether it may be checked now. */
  admit(username: string, address: string): Promise<LoginAdmission>;
  /** Clears the pair's failures after a successful sign-in. */
  succeed(username: string, address: string): Promise<void>;
  /** The limits in force. */
  readonly limits: LoginLimits;
}

/**
 * KEYS: pair, address bucket, global bucket
 * ARGV: nowMs, baseDelayMs, maxDelayMs, pairMemoryMs, perAddress, addressWaitMs, addressTtlMs, global,
 *       globalWaitMs, globalTtlMs
 * Returns {1, failDelayMs} when admitted, {0, waitMs} when not.
 */
const admitLua = `
local now = tonumber(ARGV[1])
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
if untilMs > now then return {0, untilMs - now} end
local a = tonumber(redis.call('GET', KEYS[2]) or '0')
if a >= tonumber(ARGV[5]) then return {0, tonumber(ARGV[6])} end
local g = tonumber(redis.call('GET', KEYS[3]) or '0')
if g >= tonumber(ARGV[8]) then return {0, tonumber(ARGV[9])} end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7])) end
if redis.call('INCR', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[10])) end
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
local d = tonumber(ARGV[2]) * (2 ^ math.min(f - 1, 30))
if d > tonumber(ARGV[3]) then d = tonumber(ARGV[3]) end
redis.call('HSET', KEYS[1], 'u', now + d)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return {1, d}
`;

/**
 * A success gives back what its attempt took: the pair is cleared and the address and global counters are
 * decremented, so only failures use up the budgets (staff behind one office address do not crowd each other).
 * KEYS: pair, address bucket, global bucket
 */
const succeedLua = `
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

type SucceedCommand = (pair: string, address: string, global: string) => Promise<number>;

type AdmitCommand = (
  pair: string,
  address: string,
  global: string,
  ...argv: number[]
) => Promise<[number, number]>;

/**
 * Creates the throttle. Keys hold SHA-256 hashes of the lower-cased name and of the address, never either
 * in clear; window counters are per time bucket of the injectable clock, so tests move time instead of
 * sleeping.
 */
export function createLoginThrottle(deps: {
  redis: Redis;
  prefix: string;
  now?: () => number;
  limits?: Partial<LoginLimits>;
}): LoginThrottle {
  const now = deps.now ?? Date.now;
  const limits = { ...defaultLoginLimits, ...deps.limits };
  if (typeof (deps.redis as unknown as Record<string, unknown>).staffLoginAdmit !== "function") {
    deps.redis.defineCommand("staffLoginAdmit", { numberOfKeys: 3, lua: admitLua });
  }
  if (typeof (deps.redis as unknown as Record<string, unknown>).staffLoginSucceed !== "function") {
    deps.redis.defineCommand("staffLoginSucceed", { numberOfKeys: 3, lua: succeedLua });
  }
  const succeedCommand = (
    deps.redis as unknown as { staffLoginSucceed: SucceedCommand }
  ).staffLoginSucceed.bind(deps.redis);
  const admitCommand = (deps.redis as unknown as { staffLoginAdmit: AdmitCommand }).staffLoginAdmit.bind(
    deps.redis,
  );
  const hash = (s: string) => createHash("sha256").update(s).digest("base64url").slice(0, 22);
  const base = `${deps.prefix}:staff:login`;
  const pairKey = (username: string, address: string) =>
    `${base}:pair:${hash(`${username.trim().toLowerCase()}\u0000${address}`)}`;

  const buckets = (address: string, t: number) => {
    const aBucket = Math.floor(t / limits.addressWindowMs);
    const gBucket = Math.floor(t / limits.globalWindowMs);
    return {
      aBucket,
      gBucket,
      addressKey: `${base}:addr:${hash(address)}:${aBucket}`,
      globalKey: `${base}:global:${gBucket}`,
    };
  };

  return {
    async admit(username, address) {
      const t = now();
      const { aBucket, gBucket, addressKey, globalKey } = buckets(address, t);
      const [ok, ms] = await admitCommand(
        pairKey(username, address),
        addressKey,
        globalKey,
        t,
        limits.baseDelayMs,
        limits.maxDelayMs,
        limits.pairMemoryMs,
        limits.perAddress,
        (aBucket + 1) * limits.addressWindowMs - t,
        limits.addressWindowMs * 2,
        limits.global,
        (gBucket + 1) * limits.globalWindowMs - t,
        limits.globalWindowMs * 2,
      );
      return ok === 1 ? { admitted: true, failDelayMs: ms } : { admitted: false, waitMs: ms };
    },
    limits,
    async succeed(username, address) {
      const { addressKey, globalKey } = buckets(address, now());
      await succeedCommand(pairKey(username, address), addressKey, globalKey);
    },
  };
}
