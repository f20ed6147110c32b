import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors/app-error.js";
import { urgencyRank } from "../../../src/screening/types.js";
import { connectStorage, type Storage } from "../../../src/storage/connection.js";
import { addDays, dayOf } from "../../../src/storage/days.js";
import { ensureIndexes } from "../../../src/storage/indexes.js";
import { asCiphertext } from "../../../src/storage/opaque.js";
import { createPartnerStore } from "../../../src/storage/partners.js";
import { requestModel } from "../../../src/storage/request-model.js";
import { createRequestStore, type RequestStore } from "../../../src/storage/requests.js";
import { useTestMongo } from "../../support/isolation.js";
import { fakeEnvelope, newRequest } from "./fixtures.js";

const mongo = useTestMongo();
let storage: Storage;
let now = new Date("2026-11-28T10:00:00Z");
const clock = () => now;
let store: RequestStore;

beforeAll(async () => {
  storage = connectStorage(mongo.uri);
  await storage.ensureIndexes();
  store = createRequestStore({ connection: storage.connection, retentionDays: 90, clock });
});
afterAll(async () => {
  await storage.close();
});
beforeEach(async () => {
  now = new Date("2026-11-28T10:00:00Z");
  const db = (await mongo.client()).db(mongo.dbName);
  await db.collection("requests").deleteMany({});
  await db.collection("referrals").deleteMany({});
  await db.collection("request_senders").deleteMany({});
});

async function expectCode(
  p: Promise<unknown>,
  code: "CONFLICT" | "INVALID_TRANSITION" | "BAD_REQUEST" | "NOT_FOUND",
) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(err, code), `expected AppError ${code}, got ${String(err)}`).toBe(true);
}

describe("insertRequest", () => {
  it("stores a new request with status new, day-resolution dates and version 0", async () => {
    const req = newRequest({ urgency: "urgent", reasons: ["death_threat"], routes: ["emergency_grant"] });
    expect(await store.insertRequest(req)).toEqual({ created: true, requestId: req.requestId });
    const got = await store.getRequest(req.requestId);
    expect(got).toMatchObject({
      requestId: req.requestId,
      intakeId: req.intakeId,
      status: "new",
      urgency: "urgent",
      reasons: ["death_threat"],
      routes: ["emergency_grant"],
      createdDay: "2026-11-28",
      statusDay: "2026-11-28",
      assignee: null,
      retentionUntil: null,
      version: 0,
      content: req.content,
      sealedKey: req.sealedKey,
      notes: [],
    });
  });

  it("the same intake inserted twice gives one document and created: false", async () => {
    const req = newRequest();
    const first = await store.insertRequest(req);
    const replay = await store.insertRequest({ ...req, requestId: `${req.requestId}x` });
    const again = await store.insertRequest(req);
    expect(first.created).toBe(true);
    expect(replay).toEqual({ created: false, requestId: req.requestId });
    expect(again).toEqual({ created: false, requestId: req.requestId });
    const db = (await mongo.client()).db(mongo.dbName);
    expect(await db.collection("requests").countDocuments({ intakeId: req.intakeId })).toBe(1);
  });

  it("concurrent replays of one intake still give exactly one document", async () => {
    const req = newRequest();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.insertRequest(req)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await store.countRequests()).toBe(1);
  });

  it("a different intake reusing a reference is a conflict, not a silent success", async () => {
    const a = newRequest();
    await store.insertRequest(a);
    await expectCode(store.insertRequest(newRequest({ reference: a.reference })), "CONFLICT");
  });

  it("refuses plaintext where ciphertext belongs, without echoing it", async () => {
    expect(() => asCiphertext("my name is Canary Person")).toThrow(/not an envelope/);
    const bad = newRequest({ content: "canary plaintext value" as never });
    const err = await store.insertRequest(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(err, "BAD_REQUEST")).toBe(true);
    expect(String((err as Error).message)).not.toContain("canary");
    expect((err as Error).cause).toBeUndefined();
  });

  it("stores exactly the document mongoose's Model.create would store (same fields, order and types)", async () => {
    const req = newRequest({ reasons: ["death_threat", "death_threat"], routes: ["emergency_grant"] });
    await store.insertRequest(req);
    const viaCreate = newRequest({ reasons: ["death_threat"], routes: ["emergency_grant"] });
    await requestModel(storage.connection).create({
      _id: viaCreate.requestId,
      intakeId: viaCreate.intakeId,
      reference: viaCreate.reference,
      status: "new",
      urgency: viaCreate.urgency,
      urgencyRank: urgencyRank[viaCreate.urgency],
      reasons: ["death_threat"],
      routes: ["emergency_grant"],
      channel: viaCreate.channel,
      lang: viaCreate.lang,
      createdDay: "2026-11-28",
      updatedDay: "2026-11-28",
      statusDay: "2026-11-28",
      assignee: null,
      retentionUntil: null,
      senderHash: req.senderHash,
      lookupKeyId: req.lookupKeyId,
      teamKeyId: req.teamKeyId,
      duplicateOf: null,
      relatedRequestIds: [],
      version: 0,
      content: req.content,
      sealedKey: req.sealedKey,
      notes: [],
    });
    const raw = (await mongo.client()).db(mongo.dbName).collection("requests");
    const a = await raw.findOne({ _id: req.requestId as never });
    const b = await raw.findOne({ _id: viaCreate.requestId as never });
    const comparable = (d: Record<string, unknown> | null) => ({
      ...d,
      _id: "id",
      intakeId: "intake",
      reference: "ref",
    });
    expect(a && Object.keys(a)).toEqual(b && Object.keys(b));
    expect(comparable(a)).toStrictEqual(comparable(b));
  });

  it("refuses a document that fails the schema's validators, and stores nothing", async () => {
    for (const bad of [
      newRequest({ reference: "not a reference" }),
      newRequest({ urgency: "whenever" as never }),
      newRequest({ senderHash: "short" }),
      newRequest({ reasons: ["not_a_reason" as never] }),
    ]) {
      await expectCode(store.insertRequest(bad), "BAD_REQUEST");
    }
    expect(await store.countRequests()).toBe(0);
  });

  it("refuses fields outside the schema", async () => {
    const bad = { ...newRequest(), name: "Canary" } as never;
    const err = await store.insertRequest(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    // insertRequest copies only known fields, so the extra one never reaches the document
    expect(err).toBeUndefined();
    const db = (await mongo.client()).db(mongo.dbName);
    expect(await db.collection("requests").countDocuments({ name: { $exists: true } })).toBe(0);
  });
});

describe("optimistic concurrency", () => {
  it("of concurrent updates with the same version exactly one wins, the rest get CONFLICT", async () => {
    const req = newRequest();
    await store.insertRequest(req);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => store.assign(req.requestId, 0, `staff${i}`)),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    for (const r of lost) expect(isAppError(r.reason, "CONFLICT")).toBe(true);
    const got = await store.getRequest(req.requestId);
    expect(got?.version).toBe(1);
  });

  it("concurrent status changes: one wins", async () => {
    const req = newRequest();
    await store.insertRequest(req);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => store.changeStatus(req.requestId, 0, "in_review")),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await store.getRequest(req.requestId))?.version).toBe(1);
  });

  it("a stale version is a CONFLICT; a missing request NOT_FOUND", async () => {
    const req = newRequest();
    await store.insertRequest(req);
    await store.assign(req.requestId, 0, "staff1");
    await expectCode(store.assign(req.requestId, 0, "staff2"), "CONFLICT");
    await expectCode(store.assign("nope", 0, "staff2"), "NOT_FOUND");
    const updated = await store.assign(req.requestId, 1, null);
    expect(updated.assignee).toBeNull();
    expect(updated.version).toBe(2);
  });

  it("adds encrypted notes with day and author", async () => {
    const req = newRequest();
    await store.insertRequest(req);
    const note = asCiphertext(fakeEnvelope());
    const updated = await store.addNote(req.requestId, 0, { content: note, authorId: "staff1" });
    expect(updated.notes).toEqual([{ content: note, day: "2026-11-28", authorId: "staff1" }]);
    await expectCode(
      store.addNote(req.requestId, 1, { content: "plain note" as never, authorId: "staff1" }),
      "BAD_REQUEST",
    );
    // the refused note did not hold the version: the next valid change at version 1 goes through
    expect((await store.assign(req.requestId, 1, "staff2")).version).toBe(2);
  });
});

describe("status transitions", () => {
  const all = ["new", "in_review", "pending_referral", "referred", "declined", "closed"] as const;
  const allowed = new Set([
    "new>in_review",
    "in_review>pending_referral",
    "in_review>declined",
    "in_review>closed",
    "pending_referral>referred",
    "pending_referral>declined",
    "pending_referral>closed",
    "referred>closed",
  ]);
  /** Shortest allowed path from new to each status. */
  const pathTo: Record<(typeof all)[number], readonly (typeof all)[number][]> = {
    new: [],
    in_review: ["in_review"],
    pending_referral: ["in_review", "pending_referral"],
    referred: ["in_review", "pending_referral", "referred"],
    declined: ["in_review", "declined"],
    closed: ["in_review", "closed"],
  };

  for (const from of all) {
    for (const to of all) {
      const ok = allowed.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${ok ? "allowed" : "refused"}`, async () => {
        const req = newRequest();
        await store.insertRequest(req);
        let version = 0;
        for (const step of pathTo[from]) {
          version = (await store.changeStatus(req.requestId, version, step)).version;
        }
        if (ok) {
          now = new Date("2026-12-02T08:00:00Z");
          const after = await store.changeStatus(req.requestId, version, to);
          expect(after.status).toBe(to);
          expect(after.statusDay).toBe("2026-12-02");
          expect(after.version).toBe(version + 1);
          if (to === "referred" || to === "declined" || to === "closed") {
            expect(after.retentionUntil?.toISOString()).toBe(`${addDays("2026-12-02", 90)}T00:00:00.000Z`);
          } else {
            expect(after.retentionUntil).toBeNull();
          }
        } else {
          await expectCode(store.changeStatus(req.requestId, version, to), "INVALID_TRANSITION");
          const unchanged = await store.getRequest(req.requestId);
          expect(unchanged?.status).toBe(from);
          expect(unchanged?.version).toBe(version);
        }
      });
    }
  }
});

describe("listRequests and counts", () => {
  it("orders emergency first, then oldest first, and pages without gaps or repeats", async () => {
    const specs = [
      { day: "2026-11-20", urgency: "normal" },
      { day: "2026-11-25", urgency: "emergency" },
      { day: "2026-11-10", urgency: "urgent" },
      { day: "2026-11-22", urgency: "emergency" },
      { day: "2026-11-01", urgency: "normal" },
      { day: "2026-11-22", urgency: "emergency" },
      { day: "2026-11-15", urgency: "urgent" },
    ] as const;
    const ids: Record<string, string> = {};
    for (const [i, s] of specs.entries()) {
      now = new Date(`${s.day}T12:00:00Z`);
      const req = newRequest({ urgency: s.urgency });
      ids[i] = req.requestId;
      await store.insertRequest(req);
    }
    const seen: { urgency: string; createdDay: string; requestId: string }[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await store.listRequests({ limit: 2, ...(after ? { after } : {}) });
      seen.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toHaveLength(specs.length);
    expect(new Set(seen.map((s) => s.requestId)).size).toBe(specs.length);
    expect(seen.map((s) => `${s.urgency}@${s.createdDay}`)).toEqual([
      "emergency@2026-11-22",
      "emergency@2026-11-22",
      "emergency@2026-11-25",
      "urgent@2026-11-10",
      "urgent@2026-11-15",
      "normal@2026-11-01",
      "normal@2026-11-20",
    ]);
    const sameDay = seen.slice(0, 2).map((s) => s.requestId);
    expect(sameDay).toEqual([...sameDay].sort());
    // summaries carry no ciphertext
    const first = (await store.listRequests({ limit: 1 })).items[0];
    expect(first && "content" in first).toBe(false);
  });

  it("filters by status, urgency, channel, lang and assignee, and counts", async () => {
    const a = newRequest({ urgency: "urgent", channel: "sms", lang: "fr" });
    const b = newRequest({ urgency: "normal", channel: "telegram", lang: "ar" });
    const c = newRequest({ urgency: "urgent", channel: "telegram", lang: "fr" });
    for (const r of [a, b, c]) await store.insertRequest(r);
    await store.changeStatus(b.requestId, 0, "in_review");
    await store.assign(c.requestId, 0, "staff7");

    const ids = async (q: Parameters<RequestStore["listRequests"]>[0]) =>
      (await store.listRequests(q)).items.map((i) => i.requestId).sort();
    expect(await ids({ limit: 50, status: "new" })).toEqual([a.requestId, c.requestId].sort());
    expect(await ids({ limit: 50, status: ["in_review", "closed"] })).toEqual([b.requestId]);
    expect(await ids({ limit: 50, urgency: "urgent" })).toEqual([a.requestId, c.requestId].sort());
    expect(await ids({ limit: 50, channel: "sms" })).toEqual([a.requestId]);
    expect(await ids({ limit: 50, lang: "fr", channel: "telegram" })).toEqual([c.requestId]);
    expect(await ids({ limit: 50, assignee: "staff7" })).toEqual([c.requestId]);
    expect(await ids({ limit: 50, assignee: null })).toEqual([a.requestId, b.requestId].sort());

    expect(await store.countRequests()).toBe(3);
    expect(await store.countRequests({ status: "new", urgency: "urgent" })).toBe(2);
    expect(await store.countByStatusAndUrgency()).toEqual([
      { status: "new", urgency: "urgent", count: 2 },
      { status: "in_review", urgency: "normal", count: 1 },
    ]);
  });

  it("refuses a bad limit or a forged cursor", async () => {
    await expectCode(store.listRequests({ limit: 0 }), "BAD_REQUEST");
    await expectCode(store.listRequests({ limit: 10, after: "not-a-cursor" }), "BAD_REQUEST");
  });
});

describe("duplicate links", () => {
  it("finds open requests of the same sender within the window, under any of its lookup hashes", async () => {
    const hashOld = "h".repeat(43);
    const hashNew = "k".repeat(43);
    now = new Date("2026-07-01T09:00:00Z");
    const tooOld = newRequest({ senderHash: hashOld });
    await store.insertRequest(tooOld);
    now = new Date("2026-10-01T09:00:00Z");
    const open = newRequest({ senderHash: hashOld });
    const closed = newRequest({ senderHash: hashNew });
    const other = newRequest();
    for (const r of [open, closed, other]) await store.insertRequest(r);
    const v = (await store.changeStatus(closed.requestId, 0, "in_review")).version;
    await store.changeStatus(closed.requestId, v, "closed");
    now = new Date("2026-11-28T09:00:00Z");
    const open2 = newRequest({ senderHash: hashNew });
    await store.insertRequest(open2);

    const since = addDays(dayOf(now), -90);
    const found = await store.findOpenBySender([hashOld, hashNew], since);
    expect(found.map((f) => f.requestId)).toEqual([open.requestId, open2.requestId]);
    expect(await store.findOpenBySender([], since)).toEqual([]);

    expect(await store.linkRelated(open2.requestId, [open.requestId, open.requestId])).toBe(true);
    expect((await store.getRequest(open2.requestId))?.relatedRequestIds).toEqual([open.requestId]);
  });
});

describe("sender index (findOpenBySenderIndexed)", () => {
  const senders = async () => (await mongo.client()).db(mongo.dbName).collection("request_senders");

  it("answers exactly what findOpenBySender answers, on a table of senders, statuses, days and replays", async () => {
    const a = "a".repeat(43);
    const b = "b".repeat(43);
    const c = "c".repeat(43);
    now = new Date("2026-06-01T09:00:00Z");
    const old = newRequest({ senderHash: a });
    await store.insertRequest(old);
    now = new Date("2026-09-15T09:00:00Z");
    const edge = newRequest({ senderHash: a }); // exactly 90 days before the query day below is 2026-08-30
    await store.insertRequest(edge);
    const closed = newRequest({ senderHash: a });
    const inReview = newRequest({ senderHash: b });
    const referred = newRequest({ senderHash: b });
    const declined = newRequest({ senderHash: b });
    const shredding = newRequest({ senderHash: a });
    for (const r of [closed, inReview, referred, declined, shredding]) await store.insertRequest(r);
    let v = (await store.changeStatus(closed.requestId, 0, "in_review")).version;
    await store.changeStatus(closed.requestId, v, "closed");
    await store.changeStatus(inReview.requestId, 0, "in_review");
    v = (await store.changeStatus(referred.requestId, 0, "in_review")).version;
    v = (await store.changeStatus(referred.requestId, v, "pending_referral")).version;
    await store.changeStatus(referred.requestId, v, "referred");
    v = (await store.changeStatus(declined.requestId, 0, "in_review")).version;
    await store.changeStatus(declined.requestId, v, "declined");
    await store.markForShredding(shredding.requestId);
    now = new Date("2026-11-28T09:00:00Z");
    const sameDay = [
      newRequest({ senderHash: a }),
      newRequest({ senderHash: b }),
      newRequest({ senderHash: a }),
    ];
    for (const r of sameDay) await store.insertRequest(r);
    // A replay of an intake under a new request id, and a request that failed validation: no extra results.
    await store.insertRequest({ ...sameDay[0], requestId: `${sameDay[0]?.requestId}x` } as never);
    await expectCode(store.insertRequest(newRequest({ senderHash: a, reference: "bad" })), "BAD_REQUEST");
    await store.insertRequest(newRequest({ senderHash: c }));

    const cases: [string[], string][] = [
      [[a], "2026-08-30"],
      [[a], "2026-09-15"],
      [[a], "2026-09-16"],
      [[a], "1970-01-01"],
      [[b], "1970-01-01"],
      [[a, b], "2026-08-30"],
      [[b, a, a], "2026-01-01"],
      [["d".repeat(43)], "1970-01-01"],
      [[], "1970-01-01"],
    ];
    for (const [hashes, since] of cases) {
      const exact = await store.findOpenBySender(hashes, since);
      const indexed = await store.findOpenBySenderIndexed(hashes, since);
      expect(indexed, `${hashes.map((h) => h[0]).join(",")} since ${since}`).toEqual(exact);
    }
    // The table is not trivial: it includes several results, in order, and leaves out closed and old ones.
    const all = await store.findOpenBySenderIndexed([a, b], "1970-01-01");
    expect(all.length).toBeGreaterThan(4);
    expect(all.map((r) => r.requestId)).not.toContain(closed.requestId);
    expect(all.map((r) => r.requestId)).not.toContain(declined.requestId);
    expect((await store.findOpenBySenderIndexed([a], "2026-08-30")).map((r) => r.requestId)).not.toContain(
      old.requestId,
    );
    await expectCode(store.findOpenBySenderIndexed([a], "yesterday"), "BAD_REQUEST");
  });

  it("concurrent requests of one sender are all listed (FerretDB loses concurrent $addToSet updates)", async () => {
    const hash = "s".repeat(43);
    const reqs = Array.from({ length: 12 }, () => newRequest({ senderHash: hash }));
    await Promise.all(reqs.map((r) => store.insertRequest(r)));
    const found = await store.findOpenBySenderIndexed([hash], "1970-01-01");
    expect(found.map((r) => r.requestId).sort()).toEqual(reqs.map((r) => r.requestId).sort());
  });

  it("the purge unlists deleted requests and leaves no document for a sender with none left", async () => {
    const gone = "g".repeat(43);
    const kept = "k".repeat(43);
    const a = newRequest({ senderHash: gone });
    const b = newRequest({ senderHash: kept });
    const c = newRequest({ senderHash: kept });
    for (const r of [a, b, c]) await store.insertRequest(r);
    await store.markForShredding(a.requestId);
    await store.markForShredding(b.requestId);
    expect(await store.shredExpired(new Date("2026-11-29T00:00:00Z"))).toMatchObject({ deleted: 2 });
    const col = await senders();
    expect(await col.findOne({ _id: gone as never })).toBeNull();
    expect((await col.findOne({ _id: kept as never }))?.requestIds).toEqual([c.requestId]);
    expect((await store.findOpenBySenderIndexed([kept], "1970-01-01")).map((r) => r.requestId)).toEqual([
      c.requestId,
    ]);
  });

  it("ensureIndexes lists requests stored before the index existed", async () => {
    const hash = "o".repeat(43);
    const earlier = [newRequest({ senderHash: hash }), newRequest({ senderHash: hash })];
    for (const r of earlier) await store.insertRequest(r);
    const db = (await mongo.client()).db(mongo.dbName);
    await db.collection("request_senders").drop();
    expect(await store.findOpenBySenderIndexed([hash], "1970-01-01")).toEqual([]);
    await ensureIndexes(storage.connection);
    const found = await store.findOpenBySenderIndexed([hash], "1970-01-01");
    expect(found.map((r) => r.requestId).sort()).toEqual(earlier.map((r) => r.requestId).sort());
  });
});

describe("retention and crypto-shredding", () => {
  it("shredExpired removes requests past retentionUntil (and their referrals) and leaves the rest", async () => {
    const partners = createPartnerStore({ connection: storage.connection, clock });
    await partners.upsertPartner({ partnerId: "p1", name: "Partner One", routes: ["emergency_grant"] });
    now = new Date("2026-08-01T10:00:00Z");
    const expired = newRequest();
    const stillKept = newRequest();
    const active = newRequest();
    for (const r of [expired, stillKept, active]) await store.insertRequest(r);
    let v = (await store.changeStatus(expired.requestId, 0, "in_review")).version;
    v = (await store.changeStatus(expired.requestId, v, "pending_referral")).version;
    await partners.recordReferral({
      requestId: expired.requestId,
      partnerId: "p1",
      route: "emergency_grant",
      staffId: "s1",
    });
    await store.changeStatus(expired.requestId, v, "referred");
    now = new Date("2026-10-01T10:00:00Z");
    v = (await store.changeStatus(stillKept.requestId, 0, "in_review")).version;
    await store.changeStatus(stillKept.requestId, v, "declined");

    // expired: closed 2026-08-01 + 90 days = 2026-10-30; stillKept: 2026-10-01 + 90 = 2026-12-30
    const before = await store.shredExpired(new Date("2026-10-29T23:59:59Z"));
    expect(before).toEqual({ shredded: 0, deleted: 0, referralsDeleted: 0 });
    const result = await store.shredExpired(new Date("2026-11-28T10:00:00Z"));
    expect(result).toEqual({ shredded: 1, deleted: 1, referralsDeleted: 1 });
    expect(await store.getRequest(expired.requestId)).toBeNull();
    expect(await partners.listReferrals(expired.requestId)).toEqual([]);
    const kept = await store.getRequest(stillKept.requestId);
    expect(kept?.content).toBe(stillKept.content);
    expect(kept?.sealedKey).toBe(stillKept.sealedKey);
    expect((await store.getRequest(active.requestId))?.content).toBe(active.content);
  });

  it("markForShredding drops the key and content at once and the next purge removes the document", async () => {
    const req = newRequest();
    await store.insertRequest(req);
    await store.addNote(req.requestId, 0, { content: asCiphertext(fakeEnvelope()), authorId: "s1" });
    expect(await store.markForShredding(req.requestId)).toBe(true);
    expect(await store.markForShredding("missing")).toBe(false);
    const raw = await (await mongo.client())
      .db(mongo.dbName)
      .collection("requests")
      .findOne({ _id: req.requestId } as never);
    expect(raw?.content).toBeUndefined();
    expect(raw?.sealedKey).toBeUndefined();
    expect(raw?.notes).toEqual([]);
    const result = await store.shredExpired(now);
    expect(result.deleted).toBe(1);
    expect(await store.getRequest(req.requestId)).toBeNull();
  });
});
