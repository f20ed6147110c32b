import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRedisPolicy } from "../../queues/redis-policy.js";
import { isAppError } from "../../src/errors/app-error.js";
import { testRedisUrl } from "../support/services.js";
import { captureLog } from "./support/log-capture.js";
import { type OwnProcess, startRedis } from "./support/processes.js";

describe("checkRedisPolicy against a Redis that may evict (allkeys-lru)", () => {
  let server: OwnProcess;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis(["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]);
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it("warns loudly in demo mode and carries on", async () => {
    const { log, events } = captureLog();
    const result = await checkRedisPolicy(redis, "demo", log);
    expect(result).toEqual({ status: "evicting", policy: "allkeys-lru" });
    const warning = events().find((e) => e.event === "redis.eviction_policy_unsafe");
    expect(warning).toMatchObject({ level: "warn", policy: "allkeys-lru" });
  });

  it("refuses to start in production mode", async () => {
    const { log, events } = captureLog();
    const error = await checkRedisPolicy(redis, "production", log).catch((e: unknown) => e);
    expect(isAppError(error, "CONFIG_INVALID")).toBe(true);
    expect(String((error as Error).message)).toContain("noeviction");
    expect(events().some((e) => e.event === "redis.eviction_policy_refused" && e.level === "fatal")).toBe(
      true,
    );
  });

  it("reads the policy from INFO when CONFIG is disabled (managed Redis)", async () => {
    const locked = await startRedis(["--maxmemory-policy", "volatile-lru", "--rename-command", "CONFIG", ""]);
    const client = new Redis({ host: "127.0.0.1", port: locked.port, maxRetriesPerRequest: 1 });
    try {
      const { log, events } = captureLog();
      await expect(checkRedisPolicy(client, "demo", log)).resolves.toEqual({
        status: "evicting",
        policy: "volatile-lru",
      });
      expect(events().some((e) => e.event === "redis.eviction_policy_unsafe")).toBe(true);
    } finally {
      client.disconnect();
      await locked.stop();
    }
  });
});

describe("checkRedisPolicy when neither CONFIG nor INFO is allowed", () => {
  it("warns that the policy could not be checked, in either mode", async () => {
    const locked = await startRedis(["--rename-command", "CONFIG", "", "--rename-command", "INFO", ""]);
    const client = new Redis({ host: "127.0.0.1", port: locked.port, maxRetriesPerRequest: 1 });
    try {
      for (const mode of ["demo", "production"] as const) {
        const { log, events } = captureLog();
        await expect(checkRedisPolicy(client, mode, log)).resolves.toEqual({ status: "unchecked" });
        expect(
          events().some((e) => e.event === "redis.eviction_policy_unchecked" && e.level === "warn"),
        ).toBe(true);
      }
    } finally {
      client.disconnect();
      await locked.stop();
    }
  });
});

describe("checkRedisPolicy against the test Redis (noeviction)", () => {
  it("passes silently", async () => {
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
    try {
      const { log, lines } = captureLog();
      await expect(checkRedisPolicy(redis, "production", log)).resolves.toEqual({
        status: "ok",
        policy: "noeviction",
      });
      expect(lines).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
