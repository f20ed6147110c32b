import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQueues, type Queues } from "../../queues/queues.js";
import { createScreeningWorker, type ScreeningWorker } from "../../queues/screening-worker.js";
import { type KeyWithId, sealIntake } from "../../src/crypto/index.js";
import { createMetrics } from "../../src/metrics/index.js";
import { isAllowedField, type StoredCollection } from "../../src/storage/allow-list.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore } from "../../src/storage/requests.js";
import { dumpRedis, phoneForms } from "../support/canary.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { enqueue, makeIntake, normalAnswers, sealedJob, settled } from "./support/intakes.js";
import { captureLog } from "./support/log-capture.js";

/**
 * Canary run (security rows 3, 9, 15, 16): plant unique names, answers, a phone number and a Telegram id,
 * run intakes through the screening worker, including ones that fail, then search every MongoDB document,
 * every Redis key and value under the prefix (job data, failed reasons, stack traces) and every log line.
 */
const keys = await makeTestKeys();
const r = useTestRedis();
const m = useTestMongo();

const tag = randomBytes(6).toString("hex");
const canary = {
  name: `Zora Canary ${tag}`,
  threat: `threat-canary-${tag}`,
  contact: `contact-canary-${tag}`,
  phone: `+4915799${String(randomBytes(3).readUIntBE(0, 3)).padStart(7, "0").slice(0, 6)}`,
  telegram: `6${String(randomBytes(4).readUInt32BE(0)).padStart(10, "0")}`,
};

/** Every form a canary could leak in: clear, base64 and base64url of the clear text. */
function forms(): string[] {
  const clear = [canary.name, canary.threat, canary.contact, canary.telegram, ...phoneForms(canary.phone)];
  return clear.flatMap((c) => [
    c,
    Buffer.from(c, "utf8").toString("base64"),
    Buffer.from(c, "utf8").toString("base64url"),
  ]);
}

function hits(text: string): string[] {
  return forms().filter((f) => text.includes(f));
}

let storage: Storage;
let connection: Redis;
let queues: Queues;
let screening: ScreeningWorker;
const captured = captureLog("trace");

beforeAll(async () => {
  storage = connectStorage(m.uri);
  await storage.ensureIndexes();
  const requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
  screening = createScreeningWorker({
    connection,
    prefix: r.prefix,
    keys: keys.work,
    requests,
    teamKey: async () => keys.work.team as KeyWithId<Uint8Array>,
    log: captured.log,
    metrics: createMetrics(),
  });
});

afterAll(async () => {
  await screening?.close(5_000);
  await queues?.close();
  connection?.disconnect();
  await storage?.close();
});

function answersWithCanaries() {
  return {
    ...normalAnswers(`works with ${canary.name}`),
    name: canary.name,
    threat_description: canary.threat,
    contact_details: canary.contact,
  };
}

/** Every dotted field path of a document (array indexes dropped), for the allow-list check. */
function paths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, prefix));
  if (value && typeof value === "object" && !(value instanceof Date) && value.constructor === Object) {
    return Object.entries(value).flatMap(([k, v]) => {
      const p = prefix ? `${prefix}.${k}` : k;
      return [p, ...paths(v, p)];
    });
  }
  return [];
}

describe("canary scan after an end-to-end screening run with injected failures", () => {
  it("finds no canary in MongoDB, Redis or the logs, and only allow-listed clear fields", async () => {
    const telegram = makeIntake(keys.serve, { address: canary.telegram, answers: answersWithCanaries() });
    const sms = makeIntake(keys.serve, {
      channel: "sms",
      address: canary.phone,
      answers: answersWithCanaries(),
    });
    const ok = [
      await enqueue(queues.screening, sealedJob(keys.serve, telegram)),
      await enqueue(queues.screening, sealedJob(keys.serve, sms)),
    ];
    // Injected failures: an intake that breaks the contract (its content includes the canaries) and a
    // truncated envelope.
    const bad = makeIntake(keys.serve, { address: canary.telegram, answers: answersWithCanaries() });
    const broken = { ...bad, answers: { ...bad.answers, threat_types: [canary.threat] } };
    const failing = [
      await enqueue(queues.screening, {
        v: 1,
        intakeId: bad.intakeId,
        sealed: sealIntake(keys.serve.intake, bad.intakeId, JSON.stringify(broken)),
      }),
    ];
    const truncated = makeIntake(keys.serve, { address: canary.telegram, answers: answersWithCanaries() });
    const t = sealedJob(keys.serve, truncated);
    failing.push(await enqueue(queues.screening, { ...t, sealed: t.sealed.slice(0, -12) }));

    for (const id of ok) expect((await settled(queues.screening, id)).state).toBe("completed");
    for (const id of failing) expect((await settled(queues.screening, id)).state).toBe("failed");

    const client = await m.client();
    const db = client.db(m.dbName);
    const collections = await db.listCollections({}, { nameOnly: true }).toArray();
    let documents = 0;
    for (const { name } of collections) {
      for (const doc of await db.collection(name).find({}).toArray()) {
        documents++;
        expect(hits(JSON.stringify(doc)), `${name} document`).toEqual([]);
        if (name === "requests") {
          for (const p of paths(doc)) expect(isAllowedField(name as StoredCollection, p), p).toBe(true);
        }
      }
    }
    expect(documents).toBeGreaterThanOrEqual(2);

    const redisText = await dumpRedis(connection, r.prefix);
    expect(redisText).toContain("INTAKE_SCHEMA_INVALID");
    expect(redisText).toContain("INTAKE_ENVELOPE_INVALID");
    expect(hits(redisText)).toEqual([]);

    expect(captured.lines.length).toBeGreaterThan(0);
    expect(hits(captured.lines.join("\n"))).toEqual([]);
  });
});
