import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cryptoReady, newKeyId } from "../../../src/crypto/index.js";
import { createAuditLog, genesisHash } from "../../../src/storage/audit.js";
import {
  type AuditKeyring,
  type AuditLinkFields,
  auditHeadMac,
  keyedAuditHash,
  legacyAuditHash,
} from "../../../src/storage/audit-chain.js";
import { connectStorage, type Storage } from "../../../src/storage/connection.js";
import { useTestMongo } from "../../support/isolation.js";
import { testAuditKey } from "../../support/keys.js";

/**
 * Security row 30: the audit log cannot be rewritten without detection. Someone with write access to MongoDB
 * but without the audit key (`audit.key`, never in the database) deletes or edits an event and recomputes
 * every later link and the head: verification fails. Legacy (unkeyed) events from before the key still verify.
 */

const mongo = useTestMongo();
let storage: Storage;

beforeAll(async () => {
  await cryptoReady();
  storage = connectStorage(mongo.uri);
  await storage.ensureIndexes();
});
afterAll(async () => {
  await storage.close();
});
beforeEach(async () => {
  const db = (await mongo.client()).db(mongo.dbName);
  await db.collection("audit").deleteMany({});
  await db.collection("audit_head").deleteMany({});
});

type Doc = AuditLinkFields & { _id: number; hash: string; alg?: string; keyId?: string };
const db = async () => (await mongo.client()).db(mongo.dbName);
const auditCol = async () => (await db()).collection<Doc>("audit");
const headCol = async () => (await db()).collection<{ _id: string; [k: string]: unknown }>("audit_head");

async function seed(key: AuditKeyring, n: number, clock?: () => Date) {
  const log = createAuditLog({ connection: storage.connection, key, ...(clock ? { clock } : {}) });
  const actions = ["view", "decrypt", "status", "assign", "note"] as const;
  for (let i = 0; i < n; i++) {
    await log.append({
      actor: i % 2 ? "staff1" : "system",
      action: actions[i % actions.length] ?? "view",
      requestId: `req${i}`,
      details: { count: i },
    });
  }
  return log;
}

/**
 * What an attacker without the key does: drop event `deleteSeq`, renumber the rest, relink every event with
 * `link` and point the head at the new end (with no MAC: they cannot make one).
 */
async function deleteAndRecompute(
  deleteSeq: number,
  link: (fields: AuditLinkFields, doc: Doc) => Partial<Doc> & { hash: string },
): Promise<void> {
  const col = await auditCol();
  const docs = await col.find({}).sort({ seq: 1 }).toArray();
  await col.deleteMany({});
  let prevHash = genesisHash;
  let seq = 0;
  for (const doc of docs) {
    if (doc.seq === deleteSeq) continue;
    seq += 1;
    const fields: AuditLinkFields = {
      seq,
      at: doc.at,
      actor: doc.actor,
      action: doc.action,
      requestId: doc.requestId,
      details: doc.details,
      prevHash,
    };
    const { alg: _alg, keyId: _keyId, hash: _hash, ...rest } = doc;
    const linked = link(fields, doc);
    await col.insertOne({ ...rest, ...fields, _id: seq, ...linked });
    prevHash = linked.hash;
  }
  await (await headCol()).replaceOne({ _id: "head" }, { _id: "head", seq, hash: prevHash }, { upsert: true });
}

describe("keyed audit chain (row 30)", () => {
  it("links every new event with HMAC-SHA256 under the audit key and records alg and keyId", async () => {
    const key = testAuditKey();
    const log = await seed(key, 3);
    expect(await log.verifyAuditChain()).toMatchObject({ ok: true, checked: 3 });
    const docs = await (await auditCol()).find({}).sort({ seq: 1 }).toArray();
    for (const d of docs) {
      expect(d.alg).toBe("hmac-sha256");
      expect(d.keyId).toBe(key.current);
      expect(d.hash).not.toBe(legacyAuditHash(d));
    }
    const head = await (await headCol()).findOne({ _id: "head" });
    expect(head).toMatchObject({ seq: 3, keyId: key.current });
    expect(typeof head?.mac).toBe("string");
  });

  it("deleting one event and recomputing the chain with plain SHA-256 fails verification", async () => {
    const key = testAuditKey(new Date(Date.now() - 60_000));
    const log = await seed(key, 6);
    await deleteAndRecompute(3, (fields) => ({ hash: legacyAuditHash(fields) }));
    const result = await log.verifyAuditChain();
    expect(result.ok).toBe(false);
    expect(result.brokenAt).toBe(1);
  });

  it("deleting one event and recomputing with plain SHA-256 but keeping alg and keyId fails verification", async () => {
    const key = testAuditKey();
    const log = await seed(key, 6);
    await deleteAndRecompute(3, (fields, doc) => ({
      hash: legacyAuditHash(fields),
      alg: doc.alg as string,
      keyId: doc.keyId as string,
    }));
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it("deleting one event and recomputing with a key of the attacker's own fails verification", async () => {
    const key = testAuditKey();
    const log = await seed(key, 6);
    const own = new Uint8Array(randomBytes(32));
    await deleteAndRecompute(4, (fields, doc) => ({
      hash: keyedAuditHash(fields, doc.keyId as string, own),
      alg: "hmac-sha256",
      keyId: doc.keyId as string,
    }));
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it("the same recomputation with the real key passes: the key is what protects the chain", async () => {
    const key = testAuditKey();
    const log = await seed(key, 6);
    const secret = key.keys.get(key.current) as Uint8Array;
    await deleteAndRecompute(4, (fields) => ({
      hash: keyedAuditHash(fields, key.current, secret),
      alg: "hmac-sha256",
      keyId: key.current,
    }));
    const head = await (await headCol()).findOne({ _id: "head" });
    const seq = head?.seq as number;
    const hash = head?.hash as string;
    await (await headCol()).updateOne(
      { _id: "head" },
      { $set: { keyId: key.current, mac: auditHeadMac(seq, hash, key.current, secret) } },
    );
    expect(await log.verifyAuditChain()).toMatchObject({ ok: true, checked: 5 });
  });

  const edits: [string, Record<string, unknown>, Record<string, "">][] = [
    ["details", { "details.count": 99 }, {}],
    ["keyId to an unknown key", { keyId: "zzzz0000" }, {}],
    ["alg removed (passed off as legacy)", {}, { alg: "", keyId: "" }],
    ["alg to another value", { alg: "sha256" }, {}],
  ];
  it.each(edits)("editing %s of an event fails verification at that event", async (_what, set, unset) => {
    const key = testAuditKey();
    const log = await seed(key, 5);
    const update = {
      ...(Object.keys(set).length ? { $set: set } : {}),
      ...(Object.keys(unset).length ? { $unset: unset } : {}),
    };
    await (await auditCol()).updateOne({ _id: 3 }, update as never);
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it("truncating the newest events and moving the head back by hand fails verification (the head is keyed)", async () => {
    const key = testAuditKey();
    const log = await seed(key, 6);
    const col = await auditCol();
    const fourth = await col.findOne({ _id: 4 });
    await col.deleteMany({ _id: { $gt: 4 } });
    await (await headCol()).replaceOne({ _id: "head" }, { _id: "head", seq: 4, hash: fourth?.hash ?? "" });
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, reason: "head" });
    // Removing the head altogether does not help either.
    await (await headCol()).deleteMany({});
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, reason: "head" });
  });

  it("keeps verifying events made under an older audit key after a rotation, and refuses them without it", async () => {
    const oldKey = testAuditKey();
    await seed(oldKey, 2);
    const newId = newKeyId();
    const rotated: AuditKeyring = {
      current: newId,
      keys: new Map([...oldKey.keys, [newId, new Uint8Array(randomBytes(32))]]),
      legacyBefore: oldKey.legacyBefore,
    };
    const log = await seed(rotated, 2);
    expect(await log.verifyAuditChain()).toMatchObject({ ok: true, checked: 4 });
    const docs = await (await auditCol()).find({}).sort({ seq: 1 }).toArray();
    expect(docs.map((d) => d.keyId)).toEqual([oldKey.current, oldKey.current, newId, newId]);
    const withoutOld: AuditKeyring = {
      ...rotated,
      keys: new Map([[newId, rotated.keys.get(newId) as Uint8Array]]),
    };
    expect(
      await createAuditLog({ connection: storage.connection, key: withoutOld }).verifyAuditChain(),
    ).toMatchObject({
      ok: false,
      brokenAt: 1,
    });
  });
});

describe("legacy (unkeyed) events from before the audit key", () => {
  /** Writes `n` events the way the code before row 30 did: plain SHA-256 links, no alg, no head MAC. */
  async function legacyEvents(n: number, at: (i: number) => Date): Promise<void> {
    const col = await auditCol();
    let prevHash = genesisHash;
    for (let i = 1; i <= n; i++) {
      const fields: AuditLinkFields = {
        seq: i,
        at: at(i),
        actor: "system",
        action: "view",
        requestId: `old${i}`,
        details: { count: i },
        prevHash,
      };
      const hash = legacyAuditHash(fields);
      await col.insertOne({ _id: i, ...fields, hash });
      prevHash = hash;
    }
    await (await headCol()).replaceOne(
      { _id: "head" },
      { _id: "head", seq: n, hash: prevHash },
      { upsert: true },
    );
  }

  const keyMade = new Date("2026-06-01T00:00:00Z");
  const before = (i: number) => new Date(keyMade.getTime() - 86_400_000 + i * 1000);

  it("still verify, and the first keyed event seals them", async () => {
    const key = testAuditKey(keyMade);
    await legacyEvents(4, before);
    const log = createAuditLog({ connection: storage.connection, key });
    expect(await log.verifyAuditChain()).toMatchObject({ ok: true, checked: 4, legacy: 4 });
    await log.append({ actor: "system", action: "purge" });
    await log.append({ actor: "staff1", action: "view", requestId: "new1" });
    expect(await log.verifyAuditChain()).toMatchObject({ ok: true, checked: 6, legacy: 4 });
  });

  it("an edited legacy event fails, even when the whole legacy part is recomputed (the keyed seal covers it)", async () => {
    const key = testAuditKey(keyMade);
    await legacyEvents(4, before);
    const log = createAuditLog({ connection: storage.connection, key });
    await log.append({ actor: "system", action: "purge" });
    const col = await auditCol();
    await col.updateOne({ _id: 2 }, { $set: { action: "export" } });
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 2 });
    // Relink the legacy events 1-4 with SHA-256 (possible without a key): event 5's keyed link breaks.
    let prevHash = genesisHash;
    for (const doc of await col
      .find({ _id: { $lte: 4 } })
      .sort({ seq: 1 })
      .toArray()) {
      const hash = legacyAuditHash({ ...doc, prevHash });
      await col.updateOne({ _id: doc._id }, { $set: { prevHash, hash } });
      prevHash = hash;
    }
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 5 });
  });

  it("are refused when dated after the audit key was made, or after a keyed event (no downgrade)", async () => {
    const key = testAuditKey(keyMade);
    await legacyEvents(3, (i) => new Date(keyMade.getTime() + i * 1000));
    const log = createAuditLog({ connection: storage.connection, key });
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 1 });

    await (await auditCol()).deleteMany({});
    await (await headCol()).deleteMany({});
    await legacyEvents(2, before);
    await log.append({ actor: "system", action: "purge" });
    const col = await auditCol();
    const third = await col.findOne({ _id: 3 });
    const fields: AuditLinkFields = {
      seq: 4,
      at: before(4),
      actor: "system",
      action: "view",
      requestId: null,
      details: {},
      prevHash: third?.hash ?? "",
    };
    await col.insertOne({ _id: 4, ...fields, hash: legacyAuditHash(fields) });
    expect(await log.verifyAuditChain()).toMatchObject({ ok: false, brokenAt: 4 });
  });
});
