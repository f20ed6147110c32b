import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleHarness, startConsole } from "../../console/harness.js";
import { useTestMongo, useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";

// Row 38: the CSP report endpoint is anonymous by nature (browsers post without credentials), so it must be
// bounded: an attacker's large or repeated posts cannot inflate counters or logs without limit.
const redis = useTestRedis();
const mongo = useTestMongo();
const keys = await makeTestKeys();
let h: ConsoleHarness;

beforeAll(async () => {
  h = await startConsole({ redis: redis.redis(), prefix: redis.prefix, mongoUri: mongo.uri, keys });
});
afterAll(async () => {
  await h.close();
});

const report = (directive: string) => ({
  "csp-report": { "effective-directive": directive, "blocked-uri": "inline" },
});
const post = (payload: string, type = "application/csp-report") =>
  h.app.inject({ method: "POST", url: "/staff/csp-report", headers: { "content-type": type }, payload });

describe("CSP report endpoint bounds (row 38)", () => {
  it("refuses a 13 KB report with 413 and counts nothing", async () => {
    h.cspViolations.length = 0;
    const big = JSON.stringify({
      "csp-report": { "effective-directive": "script-src", "blocked-uri": "inline", pad: "x".repeat(13_000) },
    });
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(h.cspViolations).toEqual([]);
    expect(await redis.redis().get(`${redis.prefix}:staff:csp-violations`)).toBeNull();
  });

  it("reads at most a few violations from one Reporting API body", async () => {
    h.cspViolations.length = 0;
    const many = Array.from({ length: 20 }, () => ({
      type: "csp-violation",
      body: report("img-src")["csp-report"],
    }));
    const res = await post(JSON.stringify(many), "application/reports+json");
    expect(res.statusCode).toBe(204);
    expect(h.cspViolations.length).toBeGreaterThan(0);
    expect(h.cspViolations.length).toBeLessThanOrEqual(5);
  });

  it("stops counting and logging after a per-minute budget, whatever the sender", async () => {
    h.cspViolations.length = 0;
    await redis.redis().del(`${redis.prefix}:staff:csp-budget`);
    const before = Number((await redis.redis().get(`${redis.prefix}:staff:csp-violations`)) ?? 0);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => post(JSON.stringify(report("script-src-elem")))),
    );
    expect(results.every((r) => r.statusCode === 204)).toBe(true);
    const after = Number((await redis.redis().get(`${redis.prefix}:staff:csp-violations`)) ?? 0);
    expect(after - before).toBeLessThanOrEqual(60);
    expect(h.cspViolations.length).toBeLessThanOrEqual(60);
    expect(h.cspViolations.length).toBeGreaterThan(0);
    const ttl = await redis.redis().ttl(`${redis.prefix}:staff:csp-budget`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});
