import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../../src/console/totp.js";
import { TEST_ARGON2ID } from "../../../src/crypto/index.js";
import {
  type ApiClient,
  anonymousClient,
  authKeyFor,
  type ConsoleHarness,
  cookieHeader,
  startConsole,
} from "../../console/harness.js";
import { useTestMongo, useTestRedis } from "../../support/isolation.js";

const redis = useTestRedis();
const mongo = useTestMongo();
const proxiedRedis = useTestRedis();
const proxiedMongo = useTestMongo();
let h: ConsoleHarness;
let anon: ApiClient;
let adaKey: string;

beforeAll(async () => {
  h = await startConsole({ redis: redis.redis(), prefix: redis.prefix, mongoUri: mongo.uri });
  anon = await anonymousClient(h);
  adaKey = await authKeyFor(anon, "ada", h.admin.passphrase);
});
afterAll(async () => {
  await h.close();
});

/** A sign-in POST from a given address (what the socket, or a trusted proxy, says the client is). */
async function login(address: string, body: { username: string; authKey: string; totp: string }) {
  const res = await h.app.inject({
    method: "POST",
    url: "/staff/api/login",
    remoteAddress: address,
    headers: {
      cookie: cookieHeader(undefined, anon.jar),
      "content-type": "application/json",
      "x-csrf-token": anon.csrf,
    },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.body, retryAfter: res.headers["retry-after"] };
}

const wrongKey = Buffer.alloc(32, 7).toString("base64url");

/** Moves the console's clock past every window, so each test starts from a clean slate. */
function nextWindow(): void {
  h.now += 3_600_000;
}

describe("sign-in throttling (row 33)", () => {
  it("does not let wrong passphrases from other addresses lock a known name out of its own address", async () => {
    nextWindow();
    // The attacker keeps at it, one try a second from each of six addresses, right up to the member's try.
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          login(`203.0.113.${i + 1}`, { username: "ada", authKey: wrongKey, totp: "000000" }),
        ),
      );
      h.now += 1_000;
    }
    const own = await login("198.51.100.7", {
      username: "ada",
      authKey: adaKey,
      totp: currentTotp(h.admin.totpSecret, h.now),
    });
    expect(own.status).toBe(200);
  });

  it("evaluates one of 12 parallel wrong attempts for one name from one address; the rest wait", async () => {
    nextWindow();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        login("192.0.2.10", { username: "ada", authKey: wrongKey, totp: "000000" }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
  });

  it("counts 12 parallel attempts from one address against that address exactly (10 allowed per window)", async () => {
    nextWindow();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        login("192.0.2.20", { username: `fresh-${i}`, authKey: wrongKey, totp: "000000" }),
      ),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(2);
  });

  it("keeps Redis bounded under a flood of fresh names from many addresses (global budget)", async () => {
    nextWindow();
    const before = (await redis.keys()).length;
    const results: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const r = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          login(`10.${batch}.${i}.1`, { username: `flood-${batch}-${i}`, authKey: wrongKey, totp: "000000" }),
        ),
      );
      results.push(...r.map((x) => x.status));
    }
    const evaluated = results.filter((s) => s === 401).length;
    expect(evaluated).toBeLessThanOrEqual(60);
    expect(results.filter((s) => s === 429).length).toBeGreaterThanOrEqual(140);
    // At most one small pair hash and one address counter per admitted attempt (the global budget, 60 a
    // minute by default), plus the global counter: 200 names cost no more than 60 would.
    expect((await redis.keys()).length - before).toBeLessThanOrEqual(2 * 60 + 3);
  });

  it("answers existing and unknown names with the same status, body and headers", async () => {
    nextWindow();
    const known = await login("192.0.2.30", { username: "ada", authKey: wrongKey, totp: "000000" });
    const unknown = await login("192.0.2.31", { username: "nobody-here", authKey: wrongKey, totp: "000000" });
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toBe(known.body);
    expect(unknown.retryAfter).toBe(known.retryAfter);
  });

  it("takes the same time for existing and unknown names (median over 50 pairs of tries, under 5 ms apart)", async () => {
    nextWindow();
    // Paired tries in alternating order, so load from other processes falls on both sides alike.
    const differences: number[] = [];
    for (let i = 0; i < 50; i++) {
      h.now += 61_000;
      const timed = async (name: string, address: string) => {
        const start = performance.now();
        const r = await login(address, { username: name, authKey: wrongKey, totp: "000000" });
        expect(r.status).toBe(401);
        return performance.now() - start;
      };
      const knownFirst = i % 2 === 0;
      const a = await timed(knownFirst ? "ada" : `nobody-${i}`, `100.64.${i}.1`);
      const b = await timed(knownFirst ? `nobody-${i}` : "ada", `100.64.${i}.2`);
      differences.push(knownFirst ? a - b : b - a);
    }
    const median = [...differences].sort((x, y) => x - y)[25] ?? Number.POSITIVE_INFINITY;
    expect(Math.abs(median)).toBeLessThan(5);
  }, 60_000);

  it("gives unknown names the Argon2id cost the accounts use, so /api/salt does not tell them apart", async () => {
    const real = (await anon.get("/staff/api/salt?username=ada")).json() as Record<string, number>;
    const fake = (await anon.get("/staff/api/salt?username=nobody-at-all")).json() as Record<string, number>;
    expect(real.opsLimit).toBe(TEST_ARGON2ID.opsLimit);
    expect(fake.opsLimit).toBe(real.opsLimit);
    expect(fake.memLimit).toBe(real.memLimit);
  });
});

describe("sign-in throttling behind the TLS proxy (row 33)", () => {
  it("keys on the client address the trusted proxy forwards, not the proxy's own", async () => {
    const behind = await startConsole({
      redis: proxiedRedis.redis(),
      prefix: proxiedRedis.prefix,
      mongoUri: proxiedMongo.uri,
      trustProxy: ["127.0.0.1"],
    });
    try {
      const client = await anonymousClient(behind);
      const key = await authKeyFor(client, "ada", behind.admin.passphrase);
      const post = (forwardedFor: string, authKey: string, totp: string) =>
        behind.app.inject({
          method: "POST",
          url: "/staff/api/login",
          remoteAddress: "127.0.0.1",
          headers: {
            cookie: cookieHeader(undefined, client.jar),
            "content-type": "application/json",
            "x-csrf-token": client.csrf,
            "x-forwarded-for": forwardedFor,
          },
          payload: JSON.stringify({ username: "ada", authKey, totp }),
        });
      behind.now += 30_000;
      for (let round = 0; round < 10; round++) {
        await Promise.all([1, 2, 3].map((i) => post(`203.0.113.${i}`, wrongKey, "000000")));
        behind.now += 1_000;
      }
      const own = await post("198.51.100.7", key, currentTotp(behind.admin.totpSecret, behind.now));
      expect(own.statusCode).toBe(200);
    } finally {
      await behind.close();
    }
  });
});
