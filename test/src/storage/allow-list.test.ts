import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cryptoReady } from "../../../src/crypto/index.js";
import {
  ciphertextFields,
  clearFieldAllowList,
  isAllowedField,
  keyStoreFieldAllowList,
  type StoredCollection,
} from "../../../src/storage/allow-list.js";
import { createAuditLog } from "../../../src/storage/audit.js";
import { connectStorage, type Storage } from "../../../src/storage/connection.js";
import { asCiphertext, envelopePattern } from "../../../src/storage/opaque.js";
import { createPartnerStore } from "../../../src/storage/partners.js";
import { createRequestStore } from "../../../src/storage/requests.js";
import { useTestMongo } from "../../support/isolation.js";
import { testAuditKey } from "../../support/keys.js";
import { fakeEnvelope, newRequest } from "./fixtures.js";

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

/** Every field path of a stored document: dotted, array elements under their parent's path. */
function paths(value: unknown, prefix = ""): { path: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, prefix));
  if (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Date) &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: { path: string; value: unknown }[] = prefix ? [{ path: prefix, value }] : [];
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, prefix ? `${prefix}.${k}` : k));
    return out;
  }
  return prefix ? [{ path: prefix, value }] : [];
}

describe("stored fields", () => {
  it("every field of every stored document is on the allow-list, and content fields hold envelopes only", async () => {
    const requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
    const partners = createPartnerStore({ connection: storage.connection });
    const audit = createAuditLog({ connection: storage.connection, key: testAuditKey() });

    // Exercise every write path, so every field that can exist does.
    const a = newRequest({ urgency: "emergency", reasons: ["danger_now"], routes: ["temporary_relocation"] });
    const b = newRequest({
      senderHash: a.senderHash,
      duplicateOf: a.requestId,
      relatedRequestIds: [a.requestId],
    });
    await requests.insertRequest(a);
    await requests.insertRequest(a);
    await requests.insertRequest(b);
    await requests.linkRelated(a.requestId, [b.requestId]);
    let v = (await requests.getRequest(a.requestId))?.version ?? -1;
    v = (await requests.assign(a.requestId, v, "staff1")).version;
    v = (
      await requests.addNote(a.requestId, v, { content: asCiphertext(fakeEnvelope()), authorId: "staff1" })
    ).version;
    v = (await requests.changeStatus(a.requestId, v, "in_review")).version;
    v = (await requests.changeStatus(a.requestId, v, "pending_referral")).version;
    await partners.upsertPartner({ partnerId: "pdeu", name: "Partner", routes: ["emergency_grant"] });
    await partners.recordReferral({
      requestId: a.requestId,
      partnerId: "pdeu",
      route: "emergency_grant",
      staffId: "staff1",
    });
    await requests.changeStatus(a.requestId, v, "referred");
    await requests.markForShredding(b.requestId);
    await audit.append({
      actor: "staff1",
      action: "status",
      requestId: a.requestId,
      details: { to: "referred" },
    });
    await audit.append({ actor: "system", action: "purge", details: { shredded: 0, deleted: 0 } });

    const db = (await mongo.client()).db(mongo.dbName);
    const collections = (await db.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .sort();
    expect(collections).toEqual(Object.keys(clearFieldAllowList).sort());

    const offending: string[] = [];
    let checked = 0;
    for (const name of collections) {
      const docs = await db.collection(name).find({}).toArray();
      expect(docs.length, `${name} has documents`).toBeGreaterThan(0);
      for (const doc of docs) {
        for (const { path, value } of paths(doc)) {
          checked += 1;
          if (!isAllowedField(name as StoredCollection, path)) offending.push(`${name}.${path}`);
          const envelopeFields: readonly string[] =
            name === "requests" ? ciphertextFields.requests : ([] as readonly string[]);
          if (envelopeFields.includes(path)) expect(String(value)).toMatch(envelopePattern);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(offending).toEqual([]);

    // The erasure key store, a database of its own: keys, request ids and sender tags only.
    const tagged = newRequest();
    const { sealedKey: _legacy, ...rest } = tagged;
    await requests.insertRequest({
      ...rest,
      wrappedKey: asCiphertext(fakeEnvelope()),
      erasureKey: new Uint8Array(32).fill(7),
    });
    let t = (await requests.changeStatus(tagged.requestId, 0, "in_review")).version;
    t = (await requests.changeStatus(tagged.requestId, t, "closed")).version;
    const keyDb = (await mongo.client()).db(`${mongo.dbName}_keys`);
    const keyCollections = (await keyDb.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(keyCollections.sort()).toEqual(Object.keys(keyStoreFieldAllowList).sort());
    const keyPaths = (await keyDb.collection("erasure_keys").find({}).toArray()).flatMap((d) =>
      paths(d).map((p) => p.path.split(".")[0] as string),
    );
    expect(new Set(keyPaths)).toEqual(new Set(keyStoreFieldAllowList.erasure_keys));
  });

  it("the allow-list check itself catches a stray field", () => {
    expect(isAllowedField("requests", "name")).toBe(false);
    expect(isAllowedField("requests", "notes.text")).toBe(false);
    expect(isAllowedField("audit", "details.to")).toBe(true);
    expect(isAllowedField("audit", "details.to.deep")).toBe(false);
  });
});
