import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../../src/console/totp.js";
import {
  anonymousClient,
  authKeyFor,
  type ConsoleHarness,
  signIn,
  startConsole,
} from "../../console/harness.js";
import { useTestMongo, useTestRedis } from "../../support/isolation.js";

const redis = useTestRedis();
const mongo = useTestMongo();
let h: ConsoleHarness;

beforeAll(async () => {
  h = await startConsole({ redis: redis.redis(), prefix: redis.prefix, mongoUri: mongo.uri });
});
afterAll(async () => {
  await h.close();
});

describe("console sign-in", () => {
  it("signs in with passphrase-derived key and TOTP, and the session opens /api/me", async () => {
    const client = await signIn(h);
    const me = await client.get("/staff/api/me");
    expect(me.status).toBe(200);
    const body = me.json() as { staff: { username: string; admin: boolean }; keys: Record<string, unknown> };
    expect(body.staff).toMatchObject({ username: "ada", admin: true });
    // Only wrapped and public key material goes to the browser.
    expect(Object.keys(body.keys).sort()).toEqual(
      [
        "kdfMem",
        "kdfOps",
        "kdfSalt",
        "personalPublicKey",
        "sealedTeamSecret",
        "teamKeyId",
        "wrappedPersonalSecret",
      ].sort(),
    );
    expect(String(body.keys.wrappedPersonalSecret)).toMatch(/^v1\.personal\.uk\./);
    expect(String(body.keys.sealedTeamSecret)).toMatch(/^v1\.teamkey\.pk\./);
  });

  it("sets the session cookie HttpOnly, Secure, SameSite=Strict, Path=/staff", async () => {
    h.now += 30_000;
    const client = await anonymousClient(h);
    const res = await client.post("/staff/api/login", {
      username: "ada",
      authKey: await authKeyFor(client, "ada", h.admin.passphrase),
      totp: currentTotp(h.admin.totpSecret, h.now),
    });
    expect(res.status).toBe(200);
    const cookies = ([] as string[]).concat((res.headers["set-cookie"] as string | string[]) ?? []);
    const session = cookies.find((c) => c.startsWith("staff_sid="));
    expect(session).toBeDefined();
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/Secure/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\/staff/);
  });

  it("refuses a wrong TOTP code and a wrong passphrase alike, then answers 429 with Retry-After during the delay", async () => {
    const client = await anonymousClient(h);
    const goodKey = await authKeyFor(client, "ada", h.admin.passphrase);
    h.now += 30_000;
    const wrongTotp = await client.post("/staff/api/login", {
      username: "ada",
      authKey: goodKey,
      totp: "000000",
    });
    expect(wrongTotp.status).toBe(401);
    expect(wrongTotp.headers["retry-after"]).toBe("2");

    // Within the delay even the right credentials are refused, without being checked.
    const during = await client.post("/staff/api/login", {
      username: "ada",
      authKey: goodKey,
      totp: currentTotp(h.admin.totpSecret, h.now),
    });
    expect(during.status).toBe(429);
    expect(Number(during.headers["retry-after"])).toBeGreaterThan(0);

    h.now += 2_001;
    const wrongPass = await client.post("/staff/api/login", {
      username: "ada",
      authKey: await authKeyFor(client, "ada", "not the passphrase at all"),
      totp: currentTotp(h.admin.totpSecret, h.now),
    });
    expect(wrongPass.status).toBe(401);
    // The delay doubles: 2 s, then 4 s.
    expect(wrongPass.headers["retry-after"]).toBe("4");
    h.now += 3_000;
    expect(
      (await client.post("/staff/api/login", { username: "ada", authKey: goodKey, totp: "123456" })).status,
    ).toBe(429);

    // Once the delay is over, the right credentials work and clear the counter.
    h.now += 31_000;
    const ok = await client.post("/staff/api/login", {
      username: "ada",
      authKey: goodKey,
      totp: currentTotp(h.admin.totpSecret, h.now),
    });
    expect(ok.status).toBe(200);
  });

  it("refuses a replayed TOTP code", async () => {
    h.now += 30_000;
    const client = await anonymousClient(h);
    const key = await authKeyFor(client, "ada", h.admin.passphrase);
    const code = currentTotp(h.admin.totpSecret, h.now);
    expect(
      (await client.post("/staff/api/login", { username: "ada", authKey: key, totp: code })).status,
    ).toBe(200);
    const again = await anonymousClient(h);
    expect((await again.post("/staff/api/login", { username: "ada", authKey: key, totp: code })).status).toBe(
      401,
    );
    h.now += 60_000;
  });

  it("gives unknown names a stable salt indistinguishable from a real one", async () => {
    const client = await anonymousClient(h);
    const a = (await client.get("/staff/api/salt?username=nobody")).json() as { salt: string };
    const b = (await client.get("/staff/api/salt?username=NoBody")).json() as { salt: string };
    const real = (await client.get("/staff/api/salt?username=ada")).json() as { salt: string };
    expect(a.salt).toBe(b.salt);
    expect(a.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(real.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.salt).not.toBe(real.salt);
  });

  it("refuses a sign-in POST without the CSRF token", async () => {
    const client = await anonymousClient(h);
    const res = await client.post(
      "/staff/api/login",
      { username: "ada", authKey: "x", totp: "123456" },
      { csrf: null },
    );
    expect(res.status).toBe(403);
  });

  it("ends the session after 30 idle minutes (Redis TTL) and after the absolute limit", async () => {
    const client = await signIn(h);
    const sid = client.jar.get("staff_sid");
    expect(sid).toBeDefined();
    const keys = await redis.keys();
    const sessionKeys = keys.filter((k) => k.includes(":staff:session:"));
    expect(sessionKeys.length).toBeGreaterThan(0);
    // Idle timeout is the key's TTL, refreshed on use.
    const ttl = await redis.redis().ttl(sessionKeys[sessionKeys.length - 1] as string);
    expect(ttl).toBeGreaterThan(29 * 60);
    expect(ttl).toBeLessThanOrEqual(30 * 60);
    // The session never holds a key: ids and timestamps only, and the cookie value is not the Redis key.
    for (const k of sessionKeys) {
      expect(k).not.toContain(sid);
      const v = JSON.parse((await redis.redis().get(k)) ?? "{}") as Record<string, unknown>;
      expect(Object.keys(v).sort()).toEqual(["createdAt", "csrf", "staffId"]);
    }
    // Past the absolute limit (12 h) the session is refused.
    h.now += 12 * 3_600_000 + 1;
    expect((await client.get("/staff/api/me")).status).toBe(401);
  });

  it("does not let the queue's automatic refresh keep an idle session alive", async () => {
    const client = await signIn(h);
    const sid = client.jar.get("staff_sid") ?? "";
    const before = new Set((await redis.keys()).filter((k) => k.includes(":staff:session:")));
    expect(before.size).toBeGreaterThan(0);
    for (const k of before) await redis.redis().expire(k, 100);
    const cookie = `staff_sid=${sid}`;
    const background = await h.app.inject({
      method: "GET",
      url: "/staff/api/requests",
      headers: { cookie, "x-background-refresh": "1" },
    });
    expect(background.statusCode).toBe(200);
    const ttls = await Promise.all([...before].map((k) => redis.redis().ttl(k)));
    expect(Math.max(...ttls)).toBeLessThanOrEqual(100);
    const active = await h.app.inject({ method: "GET", url: "/staff/api/requests", headers: { cookie } });
    expect(active.statusCode).toBe(200);
    const after = await Promise.all([...before].map((k) => redis.redis().ttl(k)));
    expect(Math.max(...after)).toBeGreaterThan(29 * 60);
  });

  it("signs out, after which the session is gone", async () => {
    const client = await signIn(h);
    expect((await client.post("/staff/api/logout", {})).status).toBe(200);
    expect((await client.get("/staff/api/me")).status).toBe(401);
  });
});
