import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config/index.js";
import { lookupHashes } from "../../src/crypto/index.js";
import type { ConversationState } from "../../src/intake/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore, type RequestStore } from "../../src/storage/requests.js";
import { conversationState } from "../support/conversation.js";
import { canaryAnswers, defaultAnswers } from "../support/ingress-driver.js";
import { startPipeline } from "../support/pipeline.js";

/**
 * Security row 25: a defender's delete erases, whatever the state: mid-intake, after submitting, after staff
 * closed the request. Afterwards nothing in Redis or MongoDB names the sender (lookup hash, chat id, request
 * id, intake id, reference) except the residue documented in docs/security.md ("What a defender's delete
 * leaves"), read from that table here so the doc and the code cannot drift, each with its TTL.
 */
const pipeline = await startPipeline();
const { keys, telegram } = pipeline;
let storage: Storage;
let requests: RequestStore;

beforeAll(async () => {
  storage = connectStorage(pipeline.mongoUri);
  await storage.ensureIndexes();
  requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
});
afterAll(async () => {
  await storage?.close();
});

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The documented residue: one row per key pattern, with its TTL in ms (undefined: not a Redis key). */
interface ResidueRow {
  readonly pattern: string;
  readonly ttlMs: number | undefined;
}

function documentedResidue(): ResidueRow[] {
  const doc = readFileSync(join(projectRoot, "docs/security.md"), "utf8");
  const start = doc.indexOf("## What a defender's delete leaves");
  expect(start, "docs/security.md has the residue table").toBeGreaterThan(0);
  const section = doc.slice(start, doc.indexOf("\n## ", start + 5));
  const rows = [...section.matchAll(/^\| `([^`]+)`[^|]*\| [^|]+ \| ([^|]+) \|$/gm)].map((m) => ({
    pattern: m[1] as string,
    ttlMs: ttlOf((m[2] as string).trim()),
  }));
  expect(rows.length).toBeGreaterThan(0);
  return rows;
}

function ttlOf(text: string): number | undefined {
  const m = /^(\d+) (minutes|hours|days)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === "minutes" ? 60_000 : m[2] === "hours" ? 3_600_000 : 86_400_000);
}

function matcher(pattern: string, sender: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${escaped
      .replace(/<prefix>/g, pipeline.prefix)
      .replace(/<sender>/g, sender)
      .replace(/<seq>|<id>/g, "[A-Za-z0-9_-]+")}$`,
  );
}

/** Every Redis key under the prefix, with its value as text. */
async function redisSnapshot(): Promise<Map<string, string>> {
  const redis = pipeline.redis.redis();
  const out = new Map<string, string>();
  for (const key of await pipeline.redis.keys()) {
    const type = await redis.type(key);
    let value = "";
    if (type === "string") value = (await redis.get(key)) ?? "";
    else if (type === "hash") value = JSON.stringify(await redis.hgetall(key));
    else if (type === "list") value = JSON.stringify(await redis.lrange(key, 0, -1));
    else if (type === "set") value = JSON.stringify(await redis.smembers(key));
    else if (type === "zset") value = JSON.stringify(await redis.zrange(key, "0", "-1"));
    else if (type === "stream") value = JSON.stringify(await redis.xrange(key, "-", "+"));
    out.set(key, value);
  }
  return out;
}

/** Every document of the requests database and its key store, as `collection -> JSON texts`. */
async function mongoSnapshot(): Promise<Map<string, string[]>> {
  const client = await pipeline.mongo.client();
  const out = new Map<string, string[]>();
  for (const dbName of [pipeline.mongo.dbName, `${pipeline.mongo.dbName}_keys`]) {
    const db = client.db(dbName);
    for (const { name } of await db.listCollections().toArray()) {
      out.set(
        name,
        (await db.collection(name).find({}).toArray()).map((d) => JSON.stringify(d)),
      );
    }
  }
  return out;
}

interface Traces {
  readonly redis: string[];
  readonly mongo: string[];
}

/** What in the two stores names the sender by any of `needles`, and was not there `before`. */
async function tracesOf(needles: readonly string[], before: Traces): Promise<Traces> {
  const names = (text: string) => needles.some((n) => text.includes(n));
  // Every Redis key that names them now, whether or not it existed before (a shared list or stream may).
  const redis = [...(await redisSnapshot())]
    .filter(([key, value]) => names(key) || names(value))
    .map(([key]) => key);
  const mongo = [...(await mongoSnapshot())]
    .flatMap(([collection, docs]) => docs.filter(names).map((d) => `${collection}:${d}`))
    .filter((d) => !before.mongo.includes(d));
  return { redis, mongo };
}

function stateOf(sender: string): Promise<ConversationState | null | undefined> {
  return conversationState(pipeline.redis.redis(), pipeline.prefix, keys, sender);
}

/** A Telegram defender who answers `turns` questions (or the whole intake) then asks to delete. */
async function defender(user: number) {
  const senders = lookupHashes(keys.serve.lookup, "telegram", String(user)).map((h) => h.hash);
  const sender = senders[0] as string;
  const send = async (text: string) => {
    const d = await telegram.userSends(user, text);
    expect(d.status).toBe(200);
  };
  const answer = async (turns: number) => {
    const answers = defaultAnswers(canaryAnswers(`erase-${user}`));
    await send("hello");
    await waitUntil("the conversation to start", async () => (await stateOf(sender)) !== undefined);
    for (let turn = 0; turn < turns; turn++) {
      const state = await stateOf(sender);
      if (!state) return;
      const before = JSON.stringify(state);
      await send(answers[state.step] ?? "1");
      await waitUntil(
        "the answer to be applied",
        async () => JSON.stringify(await stateOf(sender)) !== before,
      );
    }
  };
  const erase = async () => {
    await send("delete");
    await waitUntil("the delete to be confirmed", () =>
      telegram.messagesTo(user).some((m) => /Erase everything/.test(m.text ?? "")),
    );
    await send("yes");
    await waitUntil("the delete to be done", () =>
      telegram.messagesTo(user).some((m) => /We erased your data/.test(m.text ?? "")),
    );
  };
  return { sender, senders, answer, erase };
}

async function requestOf(senders: readonly string[]): Promise<string> {
  let ids: readonly string[] = [];
  await waitUntil("the request to be stored", async () => {
    ids = await requests.findAllBySender(senders);
    return ids.length === 1;
  });
  return ids[0] as string;
}

/** Waits for the traces to settle to the documented residue, then checks each against the table. */
async function expectOnlyResidue(sender: string, needles: readonly string[], before: Traces) {
  const rows = documentedResidue();
  const documented = (key: string) => rows.find((r) => matcher(r.pattern, sender).test(key));
  let traces: Traces = { redis: [], mongo: [] };
  const undocumented = () => ({
    redis: traces.redis.filter((k) => !documented(k)),
    mongo: traces.mongo.filter((d) => !rows.some((r) => d.startsWith(`${r.pattern.split(" ")[0]}:`))),
  });
  try {
    await waitUntil("only the documented residue to remain", async () => {
      traces = await tracesOf(needles, before);
      const left = undocumented();
      return left.redis.length === 0 && left.mongo.length === 0;
    });
  } catch {
    // Fall through to a readable failure.
  }
  expect(undocumented()).toEqual({ redis: [], mongo: [] });
  const redis = pipeline.redis.redis();
  for (const key of traces.redis) {
    const row = documented(key) as ResidueRow;
    // A shared stream has no TTL of its own: its row says how its entries go (the stream's length cap).
    if (row.ttlMs === undefined) continue;
    const ttl = await redis.pttl(key);
    expect(ttl, `${key} expires`).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(row.ttlMs as number);
  }
}

async function tracesBefore(): Promise<Traces> {
  return { redis: [...(await redisSnapshot()).keys()], mongo: [] };
}

describe("a defender's delete erases everything of theirs, whatever the state (row 25)", () => {
  it("mid-intake", async () => {
    const before = await tracesBefore();
    const d = await defender(5_550_002_001);
    await d.answer(3);
    await d.erase();
    await expectOnlyResidue(d.sender, [...d.senders, "5550002001"], before);
  }, 120_000);

  it("after submitting", async () => {
    const before = await tracesBefore();
    const d = await defender(5_550_002_002);
    await d.answer(60);
    const requestId = await requestOf(d.senders);
    const request = await requests.getRequest(requestId);
    await d.erase();
    await waitUntil("the request to be gone", async () => (await requests.getRequest(requestId)) === null);
    await expectOnlyResidue(
      d.sender,
      [...d.senders, "5550002002", requestId, request?.intakeId ?? "?", request?.reference ?? "?"],
      before,
    );
  }, 120_000);

  it("after staff closed the request", async () => {
    const before = await tracesBefore();
    const d = await defender(5_550_002_003);
    await d.answer(60);
    const requestId = await requestOf(d.senders);
    let request = await requests.getRequest(requestId);
    request = await requests.changeStatus(requestId, request?.version ?? 0, "in_review");
    request = await requests.changeStatus(requestId, request.version, "closed");
    // Closing dropped the sender hash (row 28): only the erasure key's tag links it now.
    expect(request.senderHash).toBeNull();
    await d.erase();
    await waitUntil("the request to be gone", async () => (await requests.getRequest(requestId)) === null);
    await expectOnlyResidue(
      d.sender,
      [...d.senders, "5550002003", requestId, request.intakeId, request.reference],
      before,
    );
  }, 120_000);
});
