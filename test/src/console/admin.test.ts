import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERSONAL_KEY_ID } from "../../../src/console/staff-enrolment.js";
import {
  deriveStaffKeys,
  fromBase64url,
  newStaffSalt,
  openTeamKey,
  TEST_ARGON2ID,
  toBase64url,
  unwrapPersonalKey,
  wrapPersonalKey,
} from "../../../src/crypto/index.js";
import {
  anonymousClient,
  authKeyFor,
  type ConsoleHarness,
  enrolMember,
  joinMaterial,
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

describe("console administration", () => {
  let bea: { id: string; username: string; passphrase: string; totpSecret: string; version: number };

  it("lets an admin invite a member, who can sign in and open the team key", async () => {
    const admin = await signIn(h);
    const created = await enrolMember(h, admin, "bea", "bea's long passphrase");
    expect(created.totpUri).toMatch(/^otpauth:\/\/totp\//);
    bea = { ...created, version: 2 };

    const client = await signIn(h, bea);
    const me = (await client.get("/staff/api/me")).json() as {
      keys: { kdfSalt: string; wrappedPersonalSecret: string; sealedTeamSecret: string };
    };
    const { unwrapKey } = deriveStaffKeys(bea.passphrase, fromBase64url(me.keys.kdfSalt), TEST_ARGON2ID);
    const personal = unwrapPersonalKey(unwrapKey, bea.id, me.keys.wrappedPersonalSecret);
    const team = openTeamKey({ keyId: PERSONAL_KEY_ID, key: personal }, bea.id, me.keys.sealedTeamSecret);
    expect(team.keyId).toBe(h.teamPublic.keyId);
    expect(toBase64url(team.key.publicKey)).toBe(toBase64url(h.teamPublic.key));

    const events = (await h.audit.verifyAuditChain()).ok;
    expect(events).toBe(true);
  });

  it("refuses admin routes to a non-admin and to nobody", async () => {
    const client = await signIn(h, bea);
    expect((await client.get("/staff/api/admin/staff")).status).toBe(403);
    expect(
      (await client.post("/staff/api/admin/invitations", { username: "cy", displayName: "Cy", admin: false }))
        .status,
    ).toBe(403);
    const anon = await anonymousClient(h);
    expect((await anon.get("/staff/api/admin/audit")).status).toBe(401);
  });

  it("refuses a taken name, a wrong or spent code, and a wrong team key id", async () => {
    const admin = await signIn(h);
    expect(
      (await admin.post("/staff/api/admin/invitations", { username: "bea", displayName: "B", admin: false }))
        .status,
    ).toBe(409);
    const invited = await admin.post("/staff/api/admin/invitations", {
      username: "dee",
      displayName: "Dee",
      admin: false,
    });
    const { code } = invited.json() as { code: string };
    const anon = await anonymousClient(h);
    const wrongCode = joinMaterial("dee", "A".repeat(22), "dee's long passphrase");
    expect((await anon.post("/staff/api/join", wrongCode)).status).toBe(401);
    h.now += 5_000;
    const material = joinMaterial("dee", code, "dee's long passphrase");
    expect((await anon.post("/staff/api/join", material)).status).toBe(200);
    h.now += 5_000;
    expect((await anon.post("/staff/api/join", { ...material, id: `${material.id}x` })).status).toBe(401);
    const account = await h.staff.findByUsername("dee");
    expect(account?.sealedTeamSecret).toBe("");
    const wrong = await admin.post(`/staff/api/admin/staff/${material.id}/team-key`, {
      teamKeyId: "ffffffff",
      sealedTeamSecret: "v1.teamkey.pk.AAAA",
      version: account?.version,
    });
    expect(wrong.status).toBe(400);
  });

  it("changes a passphrase by re-wrapping the same personal key", async () => {
    const client = await signIn(h, bea);
    const me = (await client.get("/staff/api/me")).json() as {
      keys: { kdfSalt: string; wrappedPersonalSecret: string };
    };
    const old = deriveStaffKeys(bea.passphrase, fromBase64url(me.keys.kdfSalt), TEST_ARGON2ID);
    const personal = unwrapPersonalKey(old.unwrapKey, bea.id, me.keys.wrappedPersonalSecret);
    const salt = newStaffSalt();
    const fresh = deriveStaffKeys("bea's new long passphrase", salt, TEST_ARGON2ID);
    const body = {
      currentAuthKey: toBase64url(old.authKey),
      authKey: toBase64url(fresh.authKey),
      kdfSalt: toBase64url(salt),
      kdfOps: TEST_ARGON2ID.opsLimit,
      kdfMem: TEST_ARGON2ID.memLimit,
      wrappedPersonalSecret: wrapPersonalKey(fresh.unwrapKey, bea.id, personal.secretKey),
    };
    expect(
      (await client.post("/staff/api/passphrase", { ...body, currentAuthKey: toBase64url(fresh.authKey) }))
        .status,
    ).toBe(401);
    h.now += 5_000;
    expect((await client.post("/staff/api/passphrase", body)).status).toBe(200);
    bea = { ...bea, passphrase: "bea's new long passphrase" };
    const again = await signIn(h, bea);
    expect((await again.get("/staff/api/me")).status).toBe(200);
    const anon = await anonymousClient(h);
    expect(await authKeyFor(anon, "bea", "bea's long passphrase")).not.toBe(body.authKey);
  });

  it("disables an account: its sessions end at once and it can no longer sign in", async () => {
    const beaClient = await signIn(h, bea);
    expect((await beaClient.get("/staff/api/requests")).status).toBe(200);
    const admin = await signIn(h);
    const list = (await admin.get("/staff/api/admin/staff")).json() as {
      staff: { id: string; username: string; version: number }[];
    };
    const row = list.staff.find((s) => s.username === "bea");
    expect(row).toBeDefined();
    const res = await admin.post(`/staff/api/admin/staff/${row?.id}/disabled`, {
      disabled: true,
      version: row?.version,
    });
    expect(res.status).toBe(200);
    expect((await beaClient.get("/staff/api/requests")).status).toBe(401);
    await expect(signIn(h, bea)).rejects.toThrow(/sign-in failed: 401/);
    // An admin cannot lock themselves out.
    expect(
      (await admin.post(`/staff/api/admin/staff/${h.admin.id}/disabled`, { disabled: true, version: 1 }))
        .status,
    ).toBe(400);
  });

  it("shows the audit log newest first and verifies its chain", async () => {
    const admin = await signIn(h);
    const audit = (await admin.get("/staff/api/admin/audit?limit=50")).json() as {
      entries: { seq: number; action: string }[];
    };
    const seqs = audit.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(audit.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(["staff_add", "staff_disable", "login", "key_rotate", "login_failed"]),
    );
    const verify = (await admin.get("/staff/api/admin/audit/verify")).json() as {
      ok: boolean;
      checked: number;
    };
    expect(verify.ok).toBe(true);
    expect(verify.checked).toBeGreaterThanOrEqual(seqs.length);
    const health = await admin.get("/staff/api/admin/health");
    expect(health.status).toBe(200);
  });
});
