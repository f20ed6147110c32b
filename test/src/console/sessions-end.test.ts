import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deriveStaffKeys,
  fromBase64url,
  newStaffSalt,
  TEST_ARGON2ID,
  toBase64url,
  unwrapPersonalKey,
  wrapPersonalKey,
} from "../../../src/crypto/index.js";
import { type ConsoleHarness, signIn, startConsole } from "../../console/harness.js";
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

describe("a passphrase change ends every other session (row 35)", () => {
  it("answers 401 at once to the member's other session, and keeps the one that made the change", async () => {
    const laptop = await signIn(h);
    const other = await signIn(h);
    expect((await other.get("/staff/api/me")).status).toBe(200);

    const me = (await laptop.get("/staff/api/me")).json() as {
      keys: { kdfSalt: string; wrappedPersonalSecret: string };
    };
    const old = deriveStaffKeys(h.admin.passphrase, fromBase64url(me.keys.kdfSalt), TEST_ARGON2ID);
    const personal = unwrapPersonalKey(old.unwrapKey, h.admin.id, me.keys.wrappedPersonalSecret);
    const salt = newStaffSalt();
    const fresh = deriveStaffKeys("a brand new long passphrase", salt, TEST_ARGON2ID);
    const res = await laptop.post("/staff/api/passphrase", {
      currentAuthKey: toBase64url(old.authKey),
      authKey: toBase64url(fresh.authKey),
      kdfSalt: toBase64url(salt),
      kdfOps: TEST_ARGON2ID.opsLimit,
      kdfMem: TEST_ARGON2ID.memLimit,
      wrappedPersonalSecret: wrapPersonalKey(fresh.unwrapKey, h.admin.id, personal.secretKey),
    });
    expect(res.status).toBe(200);

    expect((await other.get("/staff/api/me")).status).toBe(401);
    expect((await other.get("/staff/api/requests")).status).toBe(401);
    expect((await laptop.get("/staff/api/me")).status).toBe(200);
    // Nothing of the ended session is left in Redis under its index.
    const indexes = (await redis.keys()).filter((k) => k.includes(":staff:sessions-of:"));
    for (const key of indexes) expect(await redis.redis().scard(key)).toBe(1);
  });
});
