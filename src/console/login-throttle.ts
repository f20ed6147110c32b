import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** Growing delay after failed sign-ins, per account name (not per IP, so rotating addresses does not help). */
export interface LoginThrottle {
  /** Milliseconds the caller must still wait before trying this account again (0 = may try now). */
  waitMs(username: string): Promise<number>;
  /** Records a failure: the next attempt must wait 2^failures seconds, capped. Returns that wait. */
  fail(username: string): Promise<number>;
  /** Clears the failures after a successful sign-in. */
  succeed(username: string): Promise<void>;
}

interface ThrottleState {
  failures: number;
  until: number;
}

/**
 * Creates the throttle. State lives in Redis under a hash of the lower-cased name, so unknown names are
 * throttled exactly like real ones and a Redis dump lists no account names. `now` is injectable so
 * tests assert the 429 without sleeping.
 */
export function createLoginThrottle(deps: {
  redis: Redis;
  prefix: string;
  now?: () => number;
  /** Longest wait (default 15 min). */
  maxDelayMs?: number;
}): LoginThrottle {
  const now = deps.now ?? Date.now;
  const maxDelayMs = deps.maxDelayMs ?? 15 * 60_000;
  const keyOf = (username: string) =>
    `${deps.prefix}:staff:login-fail:${createHash("sha256").update(username.trim().toLowerCase()).digest("base64url")}`;
  // Failures are forgotten a day after the last one.
  const ttlSeconds = 24 * 3600;

  const read = async (username: string): Promise<ThrottleState> => {
    const raw = await deps.redis.get(keyOf(username));
    if (!raw) return { failures: 0, until: 0 };
    const parsed = JSON.parse(raw) as Partial<ThrottleState>;
    return {
      failures: typeof parsed.failures === "number" ? parsed.failures : 0,
      until: typeof parsed.until === "number" ? parsed.until : 0,
    };
  };

  return {
    async waitMs(username) {
      const state = await read(username);
      return Math.max(0, state.until - now());
    },
    async fail(username) {
      const state = await read(username);
      const failures = state.failures + 1;
      const delay = Math.min(maxDelayMs, 1000 * 2 ** Math.min(failures, 30));
      await deps.redis.set(
        keyOf(username),
        JSON.stringify({ failures, until: now() + delay }),
        "EX",
        ttlSeconds,
      );
      return delay;
    },
    async succeed(username) {
      await deps.redis.del(keyOf(username));
    },
  };
}
