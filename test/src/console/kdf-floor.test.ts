import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meetsKdfFloor, PRODUCTION_KDF_FLOOR } from "../../../src/console/kdf-floor.js";
import {
  type Argon2Params,
  deriveStaffKeys,
  fromBase64url,
  INTERACTIVE_ARGON2ID,
  newStaffSalt,
  STAFF_ARGON2ID,
  TEST_ARGON2ID,
  toBase64url,
  unwrapPersonalKey,
  wrapPersonalKey,
} from "../../../src/crypto/index.js";
import {
  anonymousClient,
  type ConsoleHarness,
  joinMaterial,
  signIn,
  startConsole,
} from "../../console/harness.js";
import { useTestMongo, useTestRedis } from "../../support/isolation.js";

const redis = useTestRedis();
const mongo = useTestMongo();
/** A floor above the test accounts' cost but cheap enough to derive in a test. */
const FLOOR: Argon2Params = { opsLimit: 2, memLimit: 65_536 };
let h: ConsoleHarness;

beforeAll(async () => {
  h = await startConsole({
    redis: redis.redis(),
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    kdfFloor: FLOOR,
  });
});
afterAll(async () => {
  await h.close();
});

describe("the Argon2id floor (row 34)", () => {
  it("is at least libsodium's INTERACTIVE in production, and compares both parameters", () => {
    expect(PRODUCTION_KDF_FLOOR.opsLimit).toBeGreaterThanOrEqual(INTERACTIVE_ARGON2ID.opsLimit);
    expect(PRODUCTION_KDF_FLOOR.memLimit).toBeGreaterThanOrEqual(INTERACTIVE_ARGON2ID.memLimit);
    expect(meetsKdfFloor(STAFF_ARGON2ID, PRODUCTION_KDF_FLOOR)).toBe(true);
    expect(meetsKdfFloor(INTERACTIVE_ARGON2ID, PRODUCTION_KDF_FLOOR)).toBe(true);
    expect(meetsKdfFloor({ opsLimit: 1, memLimit: 8192 }, PRODUCTION_KDF_FLOOR)).toBe(false);
    expect(meetsKdfFloor({ opsLimit: 10, memLimit: 8192 }, PRODUCTION_KDF_FLOOR)).toBe(false);
    expect(meetsKdfFloor({ opsLimit: 1, memLimit: 1 << 30 }, PRODUCTION_KDF_FLOOR)).toBe(false);
  });

  async function changeTo(params: Argon2Params): Promise<number> {
    const client = await signIn(h);
    const account = await h.staff.findById(h.admin.id);
    if (!account) throw new Error("admin missing");
    const old = deriveStaffKeys(h.admin.passphrase, fromBase64url(account.kdfSalt), {
      opsLimit: account.kdfOps,
      memLimit: account.kdfMem,
    });
    const personal = unwrapPersonalKey(old.unwrapKey, account.id, account.wrappedPersonalSecret);
    const salt = newStaffSalt();
    const fresh = deriveStaffKeys(h.admin.passphrase, salt, params);
    const res = await client.post("/staff/api/passphrase", {
      currentAuthKey: toBase64url(old.authKey),
      authKey: toBase64url(fresh.authKey),
      kdfSalt: toBase64url(salt),
      kdfOps: params.opsLimit,
      kdfMem: params.memLimit,
      wrappedPersonalSecret: wrapPersonalKey(fresh.unwrapKey, account.id, personal.secretKey),
    });
    return res.status;
  }

  it("refuses a passphrase change below the floor and accepts one at it", async () => {
    expect(await changeTo(TEST_ARGON2ID)).toBe(400);
    expect(await changeTo({ opsLimit: 1, memLimit: FLOOR.memLimit })).toBe(400);
    expect((await h.staff.findById(h.admin.id))?.kdfMem).toBe(TEST_ARGON2ID.memLimit);
    expect(await changeTo(FLOOR)).toBe(200);
    expect((await h.staff.findById(h.admin.id))?.kdfOps).toBe(FLOOR.opsLimit);
  });

  it("refuses to enrol a member whose keys were derived below the floor", async () => {
    const admin = await signIn(h);
    const invited = await admin.post("/staff/api/admin/invitations", {
      username: "weak",
      displayName: "Weak",
      admin: false,
    });
    const { code } = invited.json() as { code: string };
    const anon = await anonymousClient(h);
    const res = await anon.post("/staff/api/join", joinMaterial("weak", code, "a member's long passphrase"));
    expect(res.status).toBe(400);
    expect(await h.staff.findByUsername("weak")).toBeUndefined();
  });
});
