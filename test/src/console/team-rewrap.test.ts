import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERSONAL_KEY_ID } from "../../../src/console/staff-enrolment.js";
import {
  type BoxKeyPair,
  decryptField,
  encryptRecord,
  fromBase64url,
  generateBoxKeyPair,
  type Keyring,
  newErasureKey,
  newKeyId,
  openDataKey,
  sealDataKey,
  sealTeamKey,
  toBase64url,
  unwrapSealedKey,
  wipe,
  wrapSealedKey,
} from "../../../src/crypto/index.js";
import { asCiphertext, asSealedDataKey } from "../../../src/storage/opaque.js";
import {
  type ApiClient,
  adminTeamKey,
  type ConsoleHarness,
  enrolMember,
  type SeededRequest,
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

interface RewrapItem {
  id: string;
  teamKeyId: string;
  version: number;
  wrappedKey: string | null;
  sealedKey: string | null;
  erasureKey: string | null;
}
interface RewrapPage {
  keyId: string;
  remaining: number;
  items: RewrapItem[];
  next: string | null;
}
interface RewrapResult {
  rewrapped: number;
  conflicts: string[];
}

/** The admin's browser rotating the team key (as src/console/client/admin.ts does). */
async function rotate(admin: ApiClient): Promise<{ old: Keyring<BoxKeyPair>; fresh: KeyPairWithId }> {
  const oldRing = await adminTeamKey(h);
  const oldPair = oldRing.keys.get(oldRing.current);
  if (!oldPair) throw new Error("no team key");
  const fresh = generateBoxKeyPair();
  const keyId = newKeyId();
  const members = [];
  for (const s of await h.staff.list()) {
    if (s.disabled || s.sealedTeamSecret === "") continue;
    members.push({
      id: s.id,
      version: s.version,
      sealedTeamSecret: sealTeamKey(
        { keyId: PERSONAL_KEY_ID, key: fromBase64url(s.personalPublicKey) },
        s.id,
        {
          keyId,
          key: fresh.secretKey,
        },
      ),
    });
  }
  const res = await admin.post("/staff/api/admin/team-key/rotate", {
    previousKeyId: oldRing.current,
    keyId,
    publicKey: toBase64url(fresh.publicKey),
    sealedPrevious: sealTeamKey({ keyId, key: fresh.publicKey }, `team:${keyId}`, {
      keyId: oldRing.current,
      key: oldPair.secretKey,
    }),
    members,
  });
  expect(res.status).toBe(200);
  return { old: oldRing, fresh: { keyId, key: fresh } };
}

interface KeyPairWithId {
  keyId: string;
  key: BoxKeyPair;
}

/** What the admin's browser does for one item: unwrap, open (old key through the chain), re-seal, re-wrap. */
function rewrapOne(ring: Keyring<BoxKeyPair>, current: KeyPairWithId, item: RewrapItem) {
  const newTeam = { keyId: current.keyId, key: current.key.publicKey };
  if (item.wrappedKey !== null && item.erasureKey !== null) {
    const erasureKey = fromBase64url(item.erasureKey);
    const dataKey = openDataKey(ring, item.id, unwrapSealedKey(erasureKey, item.id, item.wrappedKey));
    try {
      const sealed = sealDataKey(newTeam, item.id, dataKey);
      return {
        id: item.id,
        version: item.version,
        teamKeyId: current.keyId,
        wrappedKey: wrapSealedKey(erasureKey, item.id, sealed),
      };
    } finally {
      wipe(dataKey);
    }
  }
  if (item.sealedKey === null) throw new Error("nothing to re-wrap");
  const dataKey = openDataKey(ring, item.id, item.sealedKey);
  try {
    return {
      id: item.id,
      version: item.version,
      teamKeyId: current.keyId,
      sealedKey: sealDataKey(newTeam, item.id, dataKey),
    };
  } finally {
    wipe(dataKey);
  }
}

/** Re-wraps up to `maxBatches` batches, starting from the beginning of the "still under an older key" list. */
async function rewrap(
  admin: ApiClient,
  ring: Keyring<BoxKeyPair>,
  current: KeyPairWithId,
  opts: { limit?: number; maxBatches?: number } = {},
): Promise<{ rewrapped: number; conflicts: string[]; remainingAtStart: number }> {
  let after: string | null = null;
  let rewrapped = 0;
  const conflicts: string[] = [];
  let remainingAtStart = -1;
  for (let batch = 0; batch < (opts.maxBatches ?? 1000); batch++) {
    const q = new URLSearchParams({ limit: String(opts.limit ?? 50) });
    if (after) q.set("after", after);
    const res = await admin.get(`/staff/api/admin/team-key/rewrap?${q}`);
    expect(res.status).toBe(200);
    const page = res.json() as RewrapPage;
    if (remainingAtStart < 0) remainingAtStart = page.remaining;
    expect(page.keyId).toBe(current.keyId);
    if (page.items.length === 0) break;
    const post = await admin.post("/staff/api/admin/team-key/rewrap", {
      keyId: current.keyId,
      items: page.items.map((i) => rewrapOne(ring, current, i)),
    });
    expect(post.status).toBe(200);
    const r = post.json() as RewrapResult;
    rewrapped += r.rewrapped;
    conflicts.push(...r.conflicts);
    if (!page.next) break;
    after = page.next;
  }
  return { rewrapped, conflicts, remainingAtStart };
}

/** Opens a stored request's content with `ring` alone (no chain unless the ring holds it). */
async function openStored(ring: Keyring<BoxKeyPair>, requestId: string): Promise<string> {
  const stored = await h.requests.getRequest(requestId);
  if (!stored?.content) throw new Error("request missing");
  const sealed =
    stored.wrappedKey !== null && stored.erasureKey !== null
      ? unwrapSealedKey(stored.erasureKey, requestId, stored.wrappedKey)
      : String(stored.sealedKey);
  const dataKey = openDataKey(ring, requestId, sealed);
  try {
    return decryptField(dataKey, requestId, "content", stored.content);
  } finally {
    wipe(dataKey);
  }
}

function only(k: KeyPairWithId): Keyring<BoxKeyPair> {
  return { current: k.keyId, keys: new Map([[k.keyId, k.key]]) };
}

describe("re-wrapping stored requests after a team key rotation (row 37)", () => {
  const seeded: SeededRequest[] = [];
  let legacyId = "";
  let old: Keyring<BoxKeyPair>;
  let fresh: KeyPairWithId;
  let chain: Keyring<BoxKeyPair>;
  let admin: ApiClient;
  let member: ApiClient;

  it("is for admins only: a member gets 403 listing or posting", async () => {
    admin = await signIn(h);
    const bea = await enrolMember(h, admin, "bea", "bea's long passphrase");
    for (let i = 0; i < 5; i++) seeded.push(await seedRequest(h, { urgency: "urgent" }));
    // A request stored before erasure keys existed: its data key sealed to the team key, in the document.
    legacyId = "legacy-request-1";
    const legacy = encryptRecord(h.teamPublic, legacyId, { content: "legacy CANARYlegacy" });
    await h.requests.insertRequest({
      requestId: legacyId,
      intakeId: "legacy-intake-1",
      reference: "LEGA-CY11",
      urgency: "normal",
      reasons: [],
      routes: [],
      channel: "sms",
      lang: "en",
      senderHash: "bGVnYWN5LXNlbmRlci1oYXNo",
      lookupKeyId: "abcd1234",
      teamKeyId: h.teamPublic.keyId,
      content: asCiphertext(legacy.fields.content),
      sealedKey: asSealedDataKey(legacy.sealedKey),
    });
    ({ old, fresh } = await rotate(admin));
    const oldPair = old.keys.get(old.current);
    if (!oldPair) throw new Error("old key");
    chain = { current: fresh.keyId, keys: new Map([...old.keys, [fresh.keyId, fresh.key]]) };

    member = await signIn(h, bea);
    expect((await member.get("/staff/api/admin/team-key/rewrap")).status).toBe(403);
    const page = (await admin.get("/staff/api/admin/team-key/rewrap")).json() as RewrapPage;
    expect(page.remaining).toBe(6);
    const res = await member.post("/staff/api/admin/team-key/rewrap", {
      keyId: fresh.keyId,
      items: page.items.slice(0, 1).map((i) => rewrapOne(chain, fresh, i)),
    });
    expect(res.status).toBe(403);
    expect((await h.requests.getRequest(page.items[0]?.id ?? ""))?.teamKeyId).toBe(old.current);
  });

  it("refuses an item not re-sealed to the current key or not wrapped under the request's erasure key", async () => {
    const page = (await admin.get("/staff/api/admin/team-key/rewrap")).json() as RewrapPage;
    const item = page.items.find((i) => i.wrappedKey !== null);
    if (!item?.erasureKey || !item.wrappedKey) throw new Error("no wrapped item");
    const good = rewrapOne(chain, fresh, item);
    // Claims the new key id while the data key is still sealed to the old one.
    const stale = { ...good, wrappedKey: item.wrappedKey };
    // Re-sealed to the new key, but wrapped under another erasure key (the request would no longer open).
    const dataKey = openDataKey(
      chain,
      item.id,
      unwrapSealedKey(fromBase64url(item.erasureKey), item.id, item.wrappedKey),
    );
    const otherWrap = {
      ...good,
      wrappedKey: wrapSealedKey(
        newErasureKey(),
        item.id,
        sealDataKey({ keyId: fresh.keyId, key: fresh.key.publicKey }, item.id, dataKey),
      ),
    };
    wipe(dataKey);
    for (const bad of [
      stale,
      otherWrap,
      { ...good, teamKeyId: old.current },
      { ...good, wrappedKey: "not an envelope" },
    ]) {
      const res = await admin.post("/staff/api/admin/team-key/rewrap", { keyId: fresh.keyId, items: [bad] });
      expect(res.status).toBe(400);
    }
    // A key id that is not the current team key.
    expect(
      (await admin.post("/staff/api/admin/team-key/rewrap", { keyId: old.current, items: [good] })).status,
    ).toBe(400);
    expect((await h.requests.getRequest(item.id))?.wrappedKey).toBe(item.wrappedKey);
  });

  it("reports a request changed meanwhile as a conflict and does not overwrite it", async () => {
    const page = (await admin.get("/staff/api/admin/team-key/rewrap?limit=2")).json() as RewrapPage;
    const [first] = page.items;
    if (!first) throw new Error("empty page");
    // Someone picks the request up between the list and the post.
    await h.requests.assign(first.id, first.version, h.admin.id);
    const before = await h.requests.getRequest(first.id);
    const res = await admin.post("/staff/api/admin/team-key/rewrap", {
      keyId: fresh.keyId,
      items: page.items.map((i) => rewrapOne(chain, fresh, i)),
    });
    expect(res.status).toBe(200);
    const r = res.json() as RewrapResult;
    expect(r.conflicts).toEqual([first.id]);
    expect(r.rewrapped).toBe(page.items.length - 1);
    const after = await h.requests.getRequest(first.id);
    expect(after?.version).toBe(before?.version);
    expect(after?.wrappedKey).toBe(before?.wrappedKey);
    expect(after?.teamKeyId).toBe(old.current);
  });

  it("resumes an interrupted re-wrap: a reload continues with what is still under an older key", async () => {
    const firstOnly = await rewrap(admin, chain, fresh, { limit: 2, maxBatches: 1 });
    expect(firstOnly.rewrapped).toBe(2);
    const left = (await admin.get("/staff/api/admin/team-key/rewrap")).json() as RewrapPage;
    expect(left.remaining).toBe(firstOnly.remainingAtStart - 2);
    expect(left.remaining).toBeGreaterThan(0);
    // A fresh page load: starts over from the query, not from any saved cursor.
    const rest = await rewrap(admin, chain, fresh, { limit: 2 });
    expect(rest.conflicts).toEqual([]);
    expect(rest.rewrapped).toBe(left.remaining);
    const done = (await admin.get("/staff/api/admin/team-key/rewrap")).json() as RewrapPage;
    expect(done).toMatchObject({ remaining: 0, items: [], next: null });
  });

  it("leaves every stored request openable with the new team key alone and no longer with the old key", async () => {
    const ids = [...seeded.map((s) => s.requestId), legacyId];
    for (const id of ids) {
      expect((await h.requests.getRequest(id))?.teamKeyId).toBe(fresh.keyId);
      const content = await openStored(only(fresh), id);
      const canary = seeded.find((s) => s.requestId === id)?.canary ?? "CANARYlegacy";
      expect(content).toContain(canary);
      await expect(openStored(old, id)).rejects.toThrow();
    }
  });

  it("writes one content-free audit entry per batch, with counts only", async () => {
    const audit = (await admin.get("/staff/api/admin/audit?limit=100")).json() as {
      entries: {
        action: string;
        actor: string;
        requestId: string | null;
        details: Record<string, unknown>;
      }[];
    };
    const rewraps = audit.entries.filter((e) => e.action === "key_rewrap");
    // conflict batch (2 items), first-only batch, and the resumed batches.
    expect(rewraps.length).toBeGreaterThanOrEqual(3);
    for (const e of rewraps) {
      expect(e.actor).toBe(h.admin.id);
      expect(e.requestId).toBeNull();
      expect(Object.keys(e.details).sort()).toEqual(["conflicts", "key", "keyId", "rewrapped"]);
      expect(e.details.key).toBe("team");
      expect(e.details.keyId).toBe(fresh.keyId);
      expect(typeof e.details.rewrapped).toBe("number");
      expect(typeof e.details.conflicts).toBe("number");
    }
    const text = JSON.stringify(rewraps);
    for (const s of seeded) {
      expect(text).not.toContain(s.canary);
      expect(text).not.toContain(s.requestId);
    }
    expect(text).not.toContain("v1.");
    expect(rewraps.reduce((n, e) => n + Number(e.details.conflicts), 0)).toBe(1);
  });
});
