import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERSONAL_KEY_ID } from "../../../src/console/staff-enrolment.js";
import {
  type BoxKeyPair,
  decryptRecord,
  deriveStaffKeys,
  encryptRecord,
  fromBase64url,
  generateBoxKeyPair,
  type Keyring,
  newKeyId,
  openDataKey,
  openTeamKey,
  sealTeamKey,
  TEST_ARGON2ID,
  teamSealedKeyOf,
  toBase64url,
  unwrapPersonalKey,
} from "../../../src/crypto/index.js";
import {
  adminTeamKey,
  type ConsoleHarness,
  type EnrolledMember,
  enrolMember,
  seedRequest,
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

/** What a member's browser does after sign-in: open its team key, then every older one through the chain. */
async function memberKeyring(
  member: { id: string; passphrase: string } & Parameters<typeof signIn>[1] & object,
) {
  const client = await signIn(h, member);
  const me = (await client.get("/staff/api/me")).json() as {
    keys: { kdfSalt: string; wrappedPersonalSecret: string; sealedTeamSecret: string };
  };
  const { unwrapKey } = deriveStaffKeys(member.passphrase, fromBase64url(me.keys.kdfSalt), TEST_ARGON2ID);
  const personal = unwrapPersonalKey(unwrapKey, member.id, me.keys.wrappedPersonalSecret);
  const current = openTeamKey({ keyId: PERSONAL_KEY_ID, key: personal }, member.id, me.keys.sealedTeamSecret);
  const chain = (await client.get("/staff/api/team-keys")).json() as {
    keys: Array<{ keyId: string; sealedPrevious: string | null; previousKeyId: string | null }>;
  };
  const keys = new Map<string, BoxKeyPair>([[current.keyId, current.key]]);
  let at = chain.keys.find((k) => k.keyId === current.keyId);
  while (at?.sealedPrevious) {
    const pair = keys.get(at.keyId);
    if (!pair) break;
    const older = openTeamKey({ keyId: at.keyId, key: pair }, `team:${at.keyId}`, at.sealedPrevious);
    keys.set(older.keyId, older.key);
    at = chain.keys.find((k) => k.keyId === older.keyId);
  }
  return { current: current.keyId, keys } satisfies Keyring<BoxKeyPair>;
}

function readRequest(
  ring: Keyring<BoxKeyPair>,
  req: { requestId: string; content: string; sealedKey: string },
) {
  return decryptRecord(ring, req.requestId, {
    fields: { content: req.content },
    sealedKey: req.sealedKey,
  } as never).fields as { content: string };
}

describe("removing a departed member (row 37)", () => {
  it("deletes a member's sealed team key when they are disabled; re-enabling needs an admin's grant again", async () => {
    const admin = await signIn(h);
    const dee = await enrolMember(h, admin, "dee", "dee's long passphrase");
    const before = await h.staff.findById(dee.id);
    expect(before?.sealedTeamSecret).toMatch(/^v1\.teamkey\.pk\./);
    const off = await admin.post(`/staff/api/admin/staff/${dee.id}/disabled`, {
      disabled: true,
      version: before?.version,
    });
    expect(off.status).toBe(200);
    const after = await h.staff.findById(dee.id);
    expect(after?.sealedTeamSecret).toBe("");
    expect(after?.teamKeyId).toBe("");
    const on = await admin.post(`/staff/api/admin/staff/${dee.id}/disabled`, {
      disabled: false,
      version: after?.version,
    });
    expect(on.status).toBe(200);
    const list = (await admin.get("/staff/api/admin/staff")).json() as {
      staff: Array<{ username: string; pending: boolean }>;
    };
    expect(list.staff.find((s) => s.username === "dee")?.pending).toBe(true);
  });
});

describe("team key rotation (row 37)", () => {
  let bea: EnrolledMember;
  let cyd: EnrolledMember;

  it("re-seals a new team key for current members only, and deletes a disabled member's wrapped key", async () => {
    const admin = await signIn(h);
    bea = await enrolMember(h, admin, "bea", "bea's long passphrase");
    cyd = await enrolMember(h, admin, "cyd", "cyd's long passphrase");
    const cydAccount = await h.staff.findById(cyd.id);
    expect(
      (
        await admin.post(`/staff/api/admin/staff/${cyd.id}/disabled`, {
          disabled: true,
          version: cydAccount?.version,
        })
      ).status,
    ).toBe(200);
    const old = await seedRequest(h, { urgency: "urgent" });

    // The admin's browser: a new team key, the old secret sealed to it, the new secret sealed to each member.
    const oldRing = await adminTeamKey(h);
    const oldPair = oldRing.keys.get(oldRing.current);
    if (!oldPair) throw new Error("no team key");
    const fresh = generateBoxKeyPair();
    const keyId = newKeyId();
    const sealFor = async (id: string) => {
      const a = await h.staff.findById(id);
      if (!a) throw new Error("member missing");
      return {
        id,
        version: a.version,
        sealedTeamSecret: sealTeamKey(
          { keyId: PERSONAL_KEY_ID, key: fromBase64url(a.personalPublicKey) },
          id,
          {
            keyId,
            key: fresh.secretKey,
          },
        ),
      };
    };
    const body = {
      previousKeyId: oldRing.current,
      keyId,
      publicKey: toBase64url(fresh.publicKey),
      sealedPrevious: sealTeamKey({ keyId, key: fresh.publicKey }, `team:${keyId}`, {
        keyId: oldRing.current,
        key: oldPair.secretKey,
      }),
      members: [await sealFor(h.admin.id), await sealFor(bea.id)],
    };
    // Every active member, and only them.
    expect(
      (await admin.post("/staff/api/admin/team-key/rotate", { ...body, members: body.members.slice(0, 1) }))
        .status,
    ).toBe(400);
    expect(
      (
        await admin.post("/staff/api/admin/team-key/rotate", {
          ...body,
          members: [...body.members, await sealFor(cyd.id)],
        })
      ).status,
    ).toBe(400);
    const res = await admin.post("/staff/api/admin/team-key/rotate", body);
    expect(res.status).toBe(200);

    expect((await h.staff.currentTeamKey())?.keyId).toBe(keyId);
    const cydAfter = await h.staff.findById(cyd.id);
    expect(cydAfter?.sealedTeamSecret).toBe("");
    expect(cydAfter?.teamKeyId).toBe("");

    // A new request, sealed to the new key as the screening worker does once the key is pinned.
    const newReq = encryptRecord({ keyId, key: fresh.publicKey }, "req-after-rotation", { content: "after" });
    const stored = await h.requests.getRequest(old.requestId);
    if (!stored) throw new Error("old request missing");

    // The departed member's old team key (which they may have kept) opens no new request.
    expect(() => openDataKey(oldRing, "req-after-rotation", newReq.sealedKey)).toThrow();

    // Current staff open both the old request and the new one.
    const beaRing = await memberKeyring(bea);
    expect(beaRing.current).toBe(keyId);
    expect(
      readRequest(beaRing, {
        requestId: "req-after-rotation",
        content: newReq.fields.content,
        sealedKey: newReq.sealedKey,
      }).content,
    ).toBe("after");
    expect(
      readRequest(beaRing, {
        requestId: old.requestId,
        content: String(stored.content),
        // The stored data key, unwrapped with the request's erasure key (row 26).
        sealedKey: String(teamSealedKeyOf(stored.requestId, stored)),
      }).content,
    ).toContain(old.canary);
    // The disabled member cannot sign in to fetch anything.
    await expect(signIn(h, cyd)).rejects.toThrow(/sign-in failed/);
  });
});
