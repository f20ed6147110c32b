import type { Redis } from "ioredis";
import { AppError } from "../src/errors/app-error.js";
import type { Log } from "../src/log/index.js";

/** What the eviction check found: the policy is safe, Redis may evict, or the policy could not be read. */
export type RedisPolicyResult =
  | { readonly status: "ok"; readonly policy: "noeviction" }
  | { readonly status: "evicting"; readonly policy: string }
  | { readonly status: "unchecked" };

/**
 * Checks at start that Redis will never evict keys: an evicting Redis silently drops queued jobs (a
 * defender's completed intake) and conversation state under memory pressure. Any `maxmemory-policy` but
 * `noeviction` is a loud warning in demo mode and a refusal (AppError CONFIG_INVALID) in production mode.
 * Managed Redis often disables CONFIG: the policy is then read from `INFO memory`, and if that fails too the
 * check warns that it could not be made (it does not refuse, since the service cannot know).
 */
export async function checkRedisPolicy(
  redis: Redis,
  mode: "demo" | "production",
  log: Log,
): Promise<RedisPolicyResult> {
  const policy = await readPolicy(redis);
  if (policy === undefined) {
    log.warn("redis.eviction_policy_unchecked", {
      reason: "CONFIG GET and INFO unavailable, make sure maxmemory-policy is noeviction",
    });
    return { status: "unchecked" };
  }
  if (policy === "noeviction") return { status: "ok", policy };
  const safePolicy = /^[a-z-]{1,32}$/.test(policy) ? policy : "unknown";
  if (mode === "production") {
    log.fatal("redis.eviction_policy_refused", { policy: safePolicy, reason: "must be noeviction" });
    throw new AppError("CONFIG_INVALID", {
      detail: `Redis maxmemory-policy is ${safePolicy}; set it to noeviction (queued jobs would be lost)`,
    });
  }
  log.warn("redis.eviction_policy_unsafe", {
    policy: safePolicy,
    reason: "must be noeviction: under memory pressure Redis would drop queued intakes and state",
  });
  return { status: "evicting", policy: safePolicy };
}

async function readPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply: unknown = await redis.config("GET", "maxmemory-policy");
    const value = policyFromConfigReply(reply);
    if (value !== undefined) return value;
  } catch {
    // CONFIG disabled or renamed (managed Redis): fall back to INFO.
  }
  try {
    const info = await redis.info("memory");
    const match = /^maxmemory_policy:([^\r\n]*)/m.exec(info);
    return match?.[1]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** CONFIG GET answers `[name, value]` over RESP2 and a map over RESP3. */
function policyFromConfigReply(reply: unknown): string | undefined {
  if (Array.isArray(reply)) {
    const value: unknown = reply[1];
    return typeof value === "string" ? value : undefined;
  }
  if (reply instanceof Map) {
    const value: unknown = reply.get("maxmemory-policy");
    return typeof value === "string" ? value : undefined;
  }
  if (typeof reply === "object" && reply !== null) {
    const value: unknown = (reply as Record<string, unknown>)["maxmemory-policy"];
    return typeof value === "string" ? value : undefined;
  }
  return undefined;
}
