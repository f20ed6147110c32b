import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors/app-error.js";
import { createAuditLog, genesisHash } from "../../../src/storage/audit.js";
import { keyedAuditHash } from "../../../src/storage/audit-chain.js";
import { connectStorage, type Storage } from "../../../src/storage/connection.js";
import { useTestMongo } from "../../support/isolation.js";
import { testAuditKey } from "../../support/keys.js";

const mongo = useTestMongo();
const key = testAuditKey();
let storage: Storage;

beforeAll(async () => {
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

const auditCollection = async () =>
  (await mongo.client()).db(mongo.dbName).collection<{ _id: number }>("audit");

async function seed(n: number) {
  const log = createAuditLog({ connection: storage.connection, key });
  const actions = ["view", "decrypt", "status", "assign", "note"] as const;
  for (let i = 0; i < n; i++) {
    await log.append({
      actor: i % 2 ? "staff1" : "system",
      action: actions[i % actions.length] ?? "view",
      requestId: `req${i}`,
      details: { to: "in_review", count: i, flag: i % 2 === 0 },
    });
  }
  return log;
}

describe("audit log", () => {
  it("chains events from the genesis hash and verifies", async () => {
    const log = await seed(5);
    const events = await log.listForRequest("req0");
    expect(events).toHaveLength(1);
    const first = events[0];
    expect(first?.seq).toBe(1);
    expect(first?.prevHash).toBe(genesisHash);
    // Keyed link (row 30): HMAC-SHA256 under the current audit key.
    expect(first?.alg).toBe("hmac-sha256");
    expect(first?.keyId).toBe(key.current);
    expect(first && keyedAuditHash(first, key.current, key.keys.get(key.current) as Uint8Array)).toBe(
      first?.hash,
    );
    const second = (await log.listForRequest("req1"))[0];
    expect(second?.prevHash).toBe(first?.hash);
    const result = await log.verifyAuditChain();
    expect(result).toMatchObject({ ok: true, checked: 5 });
    expect(result.brokenAt).toBeUndefined();
  });

  it("stores times to the minute, never the exact moment (requirement 31)", async () => {
    const at = new Date(Date.UTC(2026, 11, 4, 10, 17, 42, 123));
    const log = createAuditLog({ connection: storage.connection, key, clock: () => at });
    await log.append({ actor: "system", action: "delete", requestId: "reqm", details: { by: "defender" } });
    const raw = await (await auditCollection()).findOne({});
    expect((raw as unknown as { at: Date }).at.toISOString()).toBe("2026-12-04T10:17:00.000Z");
    expect((await log.verifyAuditChain()).ok).toBe(true);
  });

  it("an empty log verifies", async () => {
    expect(await createAuditLog({ connection: storage.connection, key }).verifyAuditChain()).toEqual({
      ok: true,
      checked: 0,
    });
  });

  const edits: [string, Record<string, unknown>][] = [
    ["seq", { seq: 99 }],
    ["at", { at: new Date("2020-01-01T00:00:00Z") }],
    ["actor", { actor: "staff2" }],
    ["action", { action: "export" }],
    ["requestId", { requestId: "reqX" }],
    ["requestId removed", { requestId: null }],
    ["details value", { "details.count": 1000 }],
    ["details key added", { "details.extra": "x" }],
    ["details replaced", { details: {} }],
    ["prevHash", { prevHash: "f".repeat(64) }],
    ["hash", { hash: "e".repeat(64) }],
  ];
  it.each(edits)("editing %s of a middle event breaks verification at that event", async (_field, set) => {
    const log = await seed(6);
    const col = await auditCollection();
    await col.updateOne({ _id: 3 }, { $set: set });
    const result = await log.verifyAuditChain();
    expect(result.ok).toBe(false);
    expect(result.brokenAt).toBe(3);
    expect(result.checked).toBe(2);
  });

  it.each([1, 4, 6])("deleting event %i breaks verification", async (seq) => {
    const log = await seed(6);
    const col = await auditCollection();
    await col.deleteOne({ _id: seq });
    const result = await log.verifyAuditChain();
    expect(result.ok).toBe(false);
    expect(result.brokenAt).toBe(seq);
  });

  it("30 concurrent appends keep one valid chain with no gaps or forks", async () => {
    const log = createAuditLog({ connection: storage.connection, key });
    const events = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        log.append({ actor: `staff${i}`, action: "view", requestId: `r${i}` }),
      ),
    );
    expect(new Set(events.map((e) => e.seq))).toEqual(new Set(Array.from({ length: 30 }, (_, i) => i + 1)));
    expect(await log.verifyAuditChain()).toMatchObject({ ok: true, checked: 30 });
    const head = await (await mongo.client()).db(mongo.dbName).collection("audit_head").findOne({});
    expect(head?.seq).toBeGreaterThan(0);
  });

  it("refuses free text in details, unknown actions and non-id actors, without echoing values", async () => {
    const log = createAuditLog({ connection: storage.connection, key });
    const attempts = [
      log.append({ actor: "staff1", action: "note", details: { text: "Canary said hello" } }),
      log.append({ actor: "staff1", action: "gossip" as never }),
      log.append({ actor: "Canary Person", action: "view" }),
      log.append({ actor: "staff1", action: "view", details: { nested: { a: 1 } as never } }),
    ];
    for (const p of attempts) {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppError(err, "BAD_REQUEST")).toBe(true);
      expect(String((err as Error).message)).not.toContain("Canary");
    }
    expect(await (await auditCollection()).countDocuments({})).toBe(0);
  });
});
