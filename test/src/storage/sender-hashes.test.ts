import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cryptoReady, newErasureKey } from "../../../src/crypto/index.js";
import { connectStorage, type Storage } from "../../../src/storage/connection.js";
import { asCiphertext } from "../../../src/storage/opaque.js";
import { createRequestStore, type RequestStore } from "../../../src/storage/requests.js";
import { useTestMongo } from "../../support/isolation.js";
import { fakeEnvelope, newRequest } from "./fixtures.js";

/**
 * Security row 28 (part): a request's sender hash is kept only while the duplicate check needs it. Closing,
 * erasing or expiring a request drops it from the request and from request_senders; a closed request stays
 * findable by its defender's delete through its erasure key's tag (which goes with the key). Versions of
 * request_senders are counters, not clock values.
 */
const mongo = useTestMongo();
let storage: Storage;
let now = new Date("2026-11-28T10:00:00Z");
let store: RequestStore;

beforeAll(async () => {
  await cryptoReady();
  storage = connectStorage(mongo.uri);
  await storage.ensureIndexes();
  store = createRequestStore({ connection: storage.connection, retentionDays: 1, clock: () => now });
});
afterAll(async () => {
  await storage.close();
});

/** A request as the screening worker stores it: wrapped data key, erasure key in the key store. */
function wrappedRequest(senderHash: string) {
  const { sealedKey: _legacy, ...rest } = newRequest({ senderHash });
  return { ...rest, wrappedKey: asCiphertext(fakeEnvelope()), erasureKey: newErasureKey() };
}

async function raw(collection: string, id: string) {
  return (await mongo.client()).db(mongo.dbName).collection<{ _id: string }>(collection).findOne({ _id: id });
}

async function mentions(hash: string): Promise<string[]> {
  const db = (await mongo.client()).db(mongo.dbName);
  const out: string[] = [];
  for (const name of ["requests", "request_senders", "request_claims"]) {
    for (const d of await db.collection(name).find({}).toArray()) {
      if (JSON.stringify(d).includes(hash)) out.push(`${name}:${String(d._id)}`);
    }
  }
  return out;
}

describe("sender hashes are dropped when no longer needed (row 28)", () => {
  it("closing drops the hash from the request and request_senders; the open one of the sender keeps it", async () => {
    const sender = randomBytes(32).toString("base64url");
    const open = wrappedRequest(sender);
    const closing = wrappedRequest(sender);
    await store.insertRequest(open);
    await store.insertRequest(closing);
    const senders = await raw("request_senders", sender);
    expect((senders as unknown as { version: number }).version).toBeLessThan(1000);

    let r = await store.changeStatus(closing.requestId, 0, "in_review");
    r = await store.changeStatus(closing.requestId, r.version, "closed");
    expect(r.senderHash).toBeNull();
    expect((await raw("requests", closing.requestId)) as object).not.toHaveProperty("senderHash");
    // The duplicate check still finds the open request, and only that one.
    const found = await store.findOpenBySenderIndexed([sender], "2026-01-01");
    expect(found.map((x) => x.requestId)).toEqual([open.requestId]);
    expect(await mentions(sender)).toEqual([`requests:${open.requestId}`, `request_senders:${sender}`]);
    // A defender's delete still finds both.
    expect([...(await store.findAllBySender([sender]))].sort()).toEqual(
      [open.requestId, closing.requestId].sort(),
    );
  });

  it("referring keeps the hash: a referred request is still open (staff replies, duplicate links)", async () => {
    const sender = randomBytes(32).toString("base64url");
    const req = wrappedRequest(sender);
    await store.insertRequest(req);
    let r = await store.changeStatus(req.requestId, 0, "in_review");
    r = await store.changeStatus(req.requestId, r.version, "pending_referral");
    r = await store.changeStatus(req.requestId, r.version, "referred");
    expect(r.senderHash).toBe(sender);
    r = await store.changeStatus(req.requestId, r.version, "closed");
    expect(r.senderHash).toBeNull();
    expect(await mentions(sender)).toEqual([]);
  });

  it("erasing and expiring leave no hash anywhere", async () => {
    const sender = randomBytes(32).toString("base64url");
    const a = wrappedRequest(sender);
    const b = wrappedRequest(sender);
    await store.insertRequest(a);
    await store.insertRequest(b);
    expect(await store.markForShredding(a.requestId)).toBe(true);
    let r = await store.changeStatus(b.requestId, 0, "in_review");
    r = await store.changeStatus(b.requestId, r.version, "closed");
    expect(await mentions(sender)).toEqual([]);
    now = new Date("2026-12-05T10:00:00Z");
    await store.shredExpired();
    expect(await mentions(sender)).toEqual([]);
    expect(await store.findAllBySender([sender])).toEqual([]);
  });
});
