import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundContext } from "../../queues/outbound-message.js";
import { createQueues } from "../../queues/queues.js";
import { timeSeq } from "../../queues/sequence.js";
import { enqueueStaffReply } from "../../queues/staff-reply-guard.js";
import { projectRoot } from "../../src/config/project-root.js";
import {
  type BoxKeyPair,
  decryptRecord,
  type Keyring,
  lookupHash,
  sealOutbound,
  teamSealedKeyOf,
} from "../../src/crypto/index.js";
import { startFerret } from "../queues/support/processes.js";
import { phoneForms } from "../support/canary.js";
import { conversationState } from "../support/conversation.js";
import { canaryAnswers, defaultAnswers } from "../support/ingress-driver.js";
import { startPipeline } from "../support/pipeline.js";
import {
  copyTree,
  envelopesIn,
  leakForms,
  openSealedWithAll,
  rawBytesOf,
  redisEntries,
} from "../support/seizure.js";

/**
 * Requirement 24-28 (docs/security.md, "What a seized host yields"): the whole service runs on a FerretDB
 * of this file's own, so the test knows where the database files are. Defenders use both channels, staff
 * reply, three defenders erase (before submitting, after, and after staff closed their request), one request
 * passes its retention. Then the adversary takes a Redis dump, a copy of the database files and every key
 * file on the host, and the test shows what those yield: nothing finished opens, erased senders leave only
 * the documented residue, erased and expired requests do not open even with the team key, no canary anywhere.
 */
const ferret = await startFerret();
const dbName = "seized";
const mongoUri = `mongodb://127.0.0.1:${ferret.port}/${dbName}`;
const pipeline = await startPipeline({ env: { MONGODB_URI: mongoUri } });
const { keys, telegram, twilio } = pipeline;
const mongo = new MongoClient(`mongodb://127.0.0.1:${ferret.port}`, { serverSelectionTimeoutMS: 5000 });
await mongo.connect();
const queues = createQueues(pipeline.app.context.redis, pipeline.prefix);
afterAll(async () => {
  await queues.close();
  await mongo.close();
});

const team: Keyring<BoxKeyPair> = {
  current: keys.team.keyId,
  keys: new Map([[keys.team.keyId, { publicKey: keys.team.publicKey, secretKey: keys.team.secretKey }]]),
};

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Defender {
  readonly label: string;
  readonly channel: "telegram" | "sms";
  readonly address: string;
  readonly sender: string;
  readonly canaries: ReturnType<typeof canaryAnswers>;
  send(text: string): Promise<void>;
}

function telegramDefender(label: string, userId: number): Defender {
  return {
    label,
    channel: "telegram",
    address: String(userId),
    sender: lookupHash(keys.serve.lookup, "telegram", String(userId)),
    canaries: canaryAnswers(`seized-${label}`),
    async send(text) {
      const d = await telegram.userSends(userId, text, { firstName: `Canaryfirst${label}` });
      expect(d.status).toBe(200);
    },
  };
}

function smsDefender(label: string, phone: string): Defender {
  return {
    label,
    channel: "sms",
    address: phone,
    sender: lookupHash(keys.serve.lookup, "phone", phone),
    canaries: canaryAnswers(`seized-${label}`),
    async send(text) {
      const r = await twilio.smsFromUser(phone, text);
      expect(r.status).toBe(200);
    },
  };
}

const stateOf = (d: Defender) => conversationState(pipeline.redis.redis(), pipeline.prefix, keys, d.sender);

/** Answers each question the engine asks (read from the state, which the test can open) until `stopAt`. */
async function answer(d: Defender, stopAt?: string) {
  const answers = defaultAnswers(d.canaries);
  await d.send("hello");
  await waitUntil(`${d.label}: the conversation to start`, async () => (await stateOf(d)) !== undefined);
  for (let turn = 0; turn < 60; turn++) {
    const state = await stateOf(d);
    if (!state) return;
    if (stopAt && state.step === stopAt) return;
    const before = JSON.stringify(state);
    await d.send(answers[state.step] ?? "1");
    await waitUntil(
      `${d.label}: the answer to be applied`,
      async () => JSON.stringify(await stateOf(d)) !== before,
    );
  }
  throw new Error(`${d.label}: intake did not complete`);
}

const db = () => mongo.db(dbName);
const requestsOf = async (d: Defender) => {
  const all = await db().collection("requests").find({ channel: d.channel }).toArray();
  return all.filter((r) => r.senderHash === d.sender || String(r._id) === submitted.get(d.label));
};
/** Request ids by defender label, remembered while they exist (an erased request has no sender hash left). */
const submitted = new Map<string, string>();

async function submit(d: Defender) {
  await answer(d);
  await waitUntil(`${d.label}: the request`, async () => {
    const found = await db().collection("requests").findOne({ senderHash: d.sender });
    if (found) submitted.set(d.label, String(found._id));
    return Boolean(found);
  });
}

async function erase(d: Defender) {
  await d.send("delete");
  await new Promise((r) => setTimeout(r, 200));
  await d.send("yes");
}

async function closeRequest(requestId: string) {
  // What the console's status route does (tested on its own in test/src/console): an optimistic update.
  const doc = await db()
    .collection("requests")
    .findOne({ _id: requestId as never });
  if (!doc) throw new Error("no request to close");
  const { createRequestStore } = await import("../../src/storage/requests.js");
  const store = createRequestStore({
    connection: pipeline.app.context.storage.connection,
    retentionDays: pipeline.config.retentionDays,
    erasureKeys: pipeline.app.context.storage.erasureKeys,
  });
  let version = Number(doc.version);
  for (const to of ["in_review", "closed"] as const) {
    version = (await store.changeStatus(requestId, version, to)).version;
  }
}

async function staffReply(d: Defender, text: string) {
  const requestId = submitted.get(d.label);
  if (!requestId) throw new Error("no request to reply to");
  const doc = await db()
    .collection("requests")
    .findOne({ _id: requestId as never });
  const seq = timeSeq(Date.now(), 1);
  const outbound = keys.serve.outbound;
  const sealed = sealOutbound(
    outbound,
    outboundContext(String(doc?.senderHash), seq),
    JSON.stringify({
      kind: "replies",
      channel: d.channel,
      address: d.address,
      replies: [{ text, lang: "en" }],
    }),
  );
  // What the console's reply route enqueues (app/wiring.ts): a staff job the sender worker checks (row 29).
  await enqueueStaffReply(queues, {
    requestId,
    staffId: "staff1",
    channel: d.channel,
    recipient: String(doc?.senderHash),
    sealed,
    seq,
  });
}

// Who does what: two keep their requests and get a staff reply, three erase (mid-intake, after submitting,
// after staff closed their request), one request passes its retention.
const kept = [telegramDefender("keeptg", 7_770_001_001), smsDefender("keepsms", "+254722000111")];
const midIntake = smsDefender("midsms", "+254733000222");
const afterSubmit = telegramDefender("aftertg", 7_770_002_002);
const afterClosed = smsDefender("closedsms", "+254744000333");
const expired = telegramDefender("expiredtg", 7_770_003_003);
const everyone = [...kept, midIntake, afterSubmit, afterClosed, expired];
const replyText = (d: Defender) => `Canaryreply ${d.label} we will call you at 6`;

let before: { files: string; keysDir: string } | undefined;
let seized:
  | {
      redisKeys: { key: string; value: string }[];
      files: string;
      fileBytes: string;
      keyBytes: string;
    }
  | undefined;

beforeAll(async () => {
  await Promise.all([...kept, afterSubmit, afterClosed, expired].map((d) => submit(d)));
  await answer(midIntake, "threat_description");
  for (const d of kept) await staffReply(d, replyText(d));
  await waitUntil("the staff replies to be delivered", () =>
    kept.every((d) =>
      d.channel === "telegram"
        ? telegram.messagesTo(Number(d.address)).some((m) => m.text === replyText(d))
        : twilio.messagesTo(d.address).some((m) => m.resource.body === replyText(d)),
    ),
  );

  // A backup taken while everything still existed: what a WAL, an oplog or last night's dump holds.
  before = { files: copyTree(ferret.dir, mkdtempSync(join(tmpdir(), "seized-before-"))), keysDir: keys.dir };

  await closeRequest(submitted.get(expired.label) ?? "");
  // Past retention: the purge runs with a clock beyond the closed request's retention date.
  const { createRequestStore } = await import("../../src/storage/requests.js");
  const future = new Date(Date.now() + (pipeline.config.retentionDays + 2) * 86_400_000);
  const store = createRequestStore({
    connection: pipeline.app.context.storage.connection,
    retentionDays: pipeline.config.retentionDays,
    erasureKeys: pipeline.app.context.storage.erasureKeys,
  });
  await store.shredExpired(future);

  await closeRequest(submitted.get(afterClosed.label) ?? "");
  await Promise.all([erase(midIntake), erase(afterSubmit), erase(afterClosed)]);
  // Waited for, not required here: the tests below show what is left either way.
  await waitUntil("the erased requests to go", async () => {
    for (const d of [afterSubmit, afterClosed]) {
      const id = submitted.get(d.label);
      if (
        await db()
          .collection("requests")
          .findOne({ _id: id as never })
      )
        return false;
    }
    return true;
  }).catch(() => {});
  // Everything in flight settles: no job waiting, active or delayed in any queue.
  await waitUntil("the queues to drain", async () => {
    for (const q of [
      queues.screening,
      queues["outbound-telegram"],
      queues["outbound-sms"],
      queues.maintenance,
    ]) {
      const c = await q.getJobCounts("waiting", "active", "prioritized");
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) > 0) return false;
    }
    return true;
  });

  // The seizure: Redis, a copy of the database files, every key file of the serve and work roles.
  const files = copyTree(ferret.dir, mkdtempSync(join(tmpdir(), "seized-after-")));
  seized = {
    redisKeys: await redisEntries(pipeline.redis.redis(), pipeline.prefix),
    files,
    fileBytes: rawBytesOf(files),
    keyBytes: rawBytesOf(keys.dir),
  };
}, 300_000);

/** Everything the Redis dump holds, keys and values, as one text to search. */
const redisText = (entries: readonly { key: string; value: string }[]) =>
  entries.map((e) => `${e.key}\n${e.value}`).join("\n");

/** Every document of every database in a copy of the files, read by starting FerretDB on the copy. */
async function documentsOf(copy: string): Promise<Map<string, Record<string, unknown>[]>> {
  const server = await startFerret(copy);
  const client = new MongoClient(`mongodb://127.0.0.1:${server.port}`, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const out = new Map<string, Record<string, unknown>[]>();
    for (const { name } of (await client.db().admin().listDatabases()).databases) {
      for (const c of await client.db(name).listCollections().toArray()) {
        out.set(`${name}.${c.name}`, await client.db(name).collection(c.name).find({}).toArray());
      }
    }
    return out;
  } finally {
    await client.close();
    await server.stop();
  }
}

/**
 * Opens a stored request document as a staff browser would, with everything an adversary could hold: the team
 * secret key and the request's erasure key from the key store's copy (`<db>_keys.erasure_keys`).
 */
function openRequest(doc: Record<string, unknown>, erasureKeys: readonly Record<string, unknown>[]): string {
  const id = String(doc._id);
  const keyDoc = erasureKeys.find((k) => k._id === id);
  const key = keyDoc?.key as { buffer?: Uint8Array } | undefined;
  const erasureKey = key?.buffer ? new Uint8Array(key.buffer) : null;
  const sealedKey = teamSealedKeyOf(id, {
    sealedKey: (doc.sealedKey as string | undefined) ?? null,
    wrappedKey: (doc.wrappedKey as string | undefined) ?? null,
    erasureKey,
  });
  if (!sealedKey) throw new Error("no data key left");
  const record = { sealedKey, fields: { content: String(doc.content) } };
  return String(decryptRecord(team, id, record as never).fields.content);
}

describe("a seized host (requirements 24-28)", () => {
  it("holds no canary, in any form, in Redis, the database files or the key files", () => {
    if (!seized) throw new Error("no seizure");
    const redis = redisText(seized.redisKeys);
    for (const d of everyone) {
      const planted = [
        ...Object.values(d.canaries),
        `Canaryfirst${d.label}`,
        ...(d.channel === "sms" ? phoneForms(d.address) : [d.address]),
        ...(kept.includes(d) ? [replyText(d)] : []),
      ];
      for (const value of planted) {
        for (const form of leakForms(value)) {
          expect(redis.includes(form), `Redis holds ${value}`).toBe(false);
          expect(seized.fileBytes.includes(form), `the database files hold ${value}`).toBe(false);
          expect(seized.keyBytes.includes(form), `the key files hold ${value}`).toBe(false);
        }
      }
    }
  });

  it("opens no finished intake or reply with every key on the host", async () => {
    if (!seized) throw new Error("no seizure");
    const boxPairs = [...keys.work.intake.keys.values(), ...keys.work.outbound.keys.values()];
    const found = envelopesIn(redisText(seized.redisKeys));
    const opened = await openSealedWithAll(found, boxPairs);
    // What does open is the Telegram message log: the ids of chat messages (numbers), kept 48 h so /wipe can
    // delete them (docs/security.md). Nothing else may: no intake, no reply, no address.
    const isMessageLog = (text: string) => {
      const at = text.indexOf("tg-msglog:");
      return (
        at > 0 &&
        text.charCodeAt(at - 1) === 0 &&
        /^tg-msglog:[A-Za-z0-9_-]{43}\[[\d,]+\]/.test(text.slice(at))
      );
    };
    const others = opened.filter((text) => !isMessageLog(text));
    expect(
      others.map((t) => t.slice(0, 80)),
      "sealed intakes or outbound messages left in Redis",
    ).toEqual([]);
    const canaries = everyone.flatMap((d) => [
      ...Object.values(d.canaries),
      d.address,
      ...(kept.includes(d) ? [replyText(d)] : []),
    ]);
    for (const text of opened) for (const c of canaries) expect(text.includes(c)).toBe(false);
  });

  it("keeps no millisecond times in Redis after the erasures (requirement 31)", () => {
    if (!seized) throw new Error("no seizure");
    // BullMQ's own bookkeeping and the pacing clocks are exempt, as documented in docs/security.md.
    const exempt = [
      /:bull:[^:]+:events$/,
      /:bull:maintenance:/,
      /:bull:[^:]+:stalled-check$/,
      /:pace:/,
      /:pause:/,
      // The forget mark must be exact (docs/security.md, "Times in Redis").
      /:forgotten:/,
    ];
    const now = Date.now();
    const found: string[] = [];
    for (const { key, value } of seized.redisKeys) {
      if (exempt.some((e) => e.test(key))) continue;
      for (const m of `${key} ${value}`.matchAll(/(?<!\d)\d{13}(?!\d)/g)) {
        const ms = Number(m[0]);
        if (Math.abs(ms - now) < 30 * 86_400_000 && ms % 60_000 !== 0) found.push(`${key}: ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("keeps requests of defenders who did not erase, and they open for staff", async () => {
    for (const d of kept) {
      const found = await requestsOf(d);
      expect(found, `${d.label} has one request`).toHaveLength(1);
    }
  });

  it("leaves nothing of the erased and expired requests in the database but content-free audit entries", async () => {
    if (!seized) throw new Error("no seizure");
    const docs = await documentsOf(seized.files);
    // The audit log keeps its entries (the chain needs them): documented residue, checked for content below.
    const audit = docs.get(`${dbName}.audit`) ?? [];
    const text = JSON.stringify([...docs.entries()].filter(([name]) => name !== `${dbName}.audit`));
    for (const d of [afterSubmit, afterClosed, expired]) {
      const id = submitted.get(d.label) ?? "missing";
      expect(text.includes(id), `${d.label}'s request id is still in the database`).toBe(false);
      expect(text.includes(d.sender), `${d.label}'s sender hash is still in the database`).toBe(false);
      for (const entry of audit.filter((e) => e.requestId === id)) {
        expect(
          Object.keys(entry.details as object).every((k) =>
            ["by", "from", "to", "deleted", "shredded"].includes(k),
          ),
        ).toBe(true);
      }
    }
    expect(text.includes(midIntake.sender)).toBe(false);
    expect(JSON.stringify(audit)).not.toContain(afterSubmit.sender);
  });

  it("does not open an erased or expired request from a copy taken before, even with the team key", async () => {
    if (!before || !seized) throw new Error("no copies");
    const old = await documentsOf(copyTree(before.files, mkdtempSync(join(tmpdir(), "seized-old-"))));
    const now = await documentsOf(copyTree(seized.files, mkdtempSync(join(tmpdir(), "seized-now-"))));
    const requests = old.get(`${dbName}.requests`) ?? [];
    // The key store as the host holds it at the seizure (its own copies are kept short: docs/operations.md).
    const keyStore = now.get(`${dbName}_keys.erasure_keys`) ?? [];
    const gone = [afterSubmit, afterClosed, expired].map((d) => submitted.get(d.label));
    const oldCopies = requests.filter((r) => gone.includes(String(r._id)));
    // The old copy does hold them: otherwise this test would show nothing.
    expect(oldCopies).toHaveLength(3);
    for (const r of oldCopies) {
      expect(() => openRequest(r, keyStore), "an erased or expired request opens from an old copy").toThrow();
    }
    // A request that was kept opens from the same copy: the team key is right, the test can see content.
    const keptDoc = requests.find((r) => r._id === submitted.get(kept[0]?.label ?? ""));
    expect(openRequest(keptDoc ?? {}, keyStore)).toContain(kept[0]?.canaries.threat_description);
  });

  it("leaves of the erased senders only the documented residue in Redis", () => {
    if (!seized) throw new Error("no seizure");
    const doc = readFileSync(join(projectRoot, "docs/security.md"), "utf8");
    const start = doc.indexOf("## What a defender's delete leaves");
    const section = doc.slice(start, doc.indexOf("\n## ", start + 5));
    const patterns = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string);
    expect(patterns.length).toBeGreaterThan(0);
    const keys = seized.redisKeys;
    for (const d of [midIntake, afterSubmit, afterClosed]) {
      const documented = patterns.map(
        (p) =>
          new RegExp(
            `^${p
              .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
              .replace(/<prefix>/g, pipeline.prefix)
              .replace(/<sender>/g, d.sender)
              .replace(/<seq>|<id>/g, "[A-Za-z0-9_-]+")}$`,
          ),
      );
      const naming = keys.filter((k) => k.key.includes(d.sender) || k.value.includes(d.sender));
      const undocumented = naming.filter((k) => !documented.some((re) => re.test(k.key))).map((k) => k.key);
      expect(undocumented, `${d.label} left undocumented traces`).toEqual([]);
    }
  });
});
