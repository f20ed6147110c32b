import { Job } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQueues, type Queues } from "../../queues/queues.js";
import {
  createScreeningWorker,
  createTeamKeyResolver,
  REQUEST_CONTENT_FIELD,
  type RequestContent,
  type ScreeningWorker,
  TeamKeyUnpinnedError,
} from "../../queues/screening-worker.js";
import {
  type BoxKeyPair,
  decryptRecord,
  type EncryptedRecord,
  type Keyring,
  type KeyWithId,
  sealIntake,
  teamSealedKeyOf,
  toBase64url,
  wipe,
} from "../../src/crypto/index.js";
import type { TeamPins } from "../../src/keys/index.js";
import { createMetrics, type Metrics } from "../../src/metrics/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore, type ProtectionRequest, type RequestStore } from "../../src/storage/requests.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import {
  dangerAnswers,
  enqueue,
  eventually,
  finishedLines,
  makeIntake,
  normalAnswers,
  sealedJob,
  settled,
} from "./support/intakes.js";
import { captureLog } from "./support/log-capture.js";

const keys = await makeTestKeys();
const r = useTestRedis();
const m = useTestMongo();
const team = keys.work.team as KeyWithId<Uint8Array>;
const teamRing: Keyring<BoxKeyPair> = {
  current: keys.team.keyId,
  keys: new Map([[keys.team.keyId, { publicKey: keys.team.publicKey, secretKey: keys.team.secretKey }]]),
};

let storage: Storage;
let requests: RequestStore;
let connection: Redis;
let queues: Queues;
let metrics: Metrics;
let screening: ScreeningWorker;
const captured = captureLog();
/** Toggled by the "no team key yet" test. */
let teamAvailable = true;

beforeAll(async () => {
  storage = connectStorage(m.uri);
  await storage.ensureIndexes();
  requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
  metrics = createMetrics();
  screening = createScreeningWorker({
    connection,
    prefix: r.prefix,
    keys: keys.work,
    requests,
    teamKey: async () => (teamAvailable ? team : undefined),
    log: captured.log,
    metrics,
    teamKeyWaitMs: 200,
  });
});

afterAll(async () => {
  await screening?.close(5_000);
  await queues?.close();
  connection?.disconnect();
  await storage?.close();
});

function openContent(request: ProtectionRequest): RequestContent {
  const sealedKey = request.content ? teamSealedKeyOf(request.requestId, request) : null;
  if (!request.content || !sealedKey) throw new Error("request has no content");
  const record = {
    sealedKey,
    fields: { [REQUEST_CONTENT_FIELD]: request.content },
  } as unknown as EncryptedRecord<typeof REQUEST_CONTENT_FIELD>;
  const { dataKey, fields } = decryptRecord(teamRing, request.requestId, record);
  wipe(dataKey);
  return JSON.parse(fields[REQUEST_CONTENT_FIELD]) as RequestContent;
}

async function requestsOf(intakeId: string): Promise<ProtectionRequest[]> {
  const client = await m.client();
  const docs = await client.db(m.dbName).collection("requests").find({ intakeId }).toArray();
  const out: ProtectionRequest[] = [];
  for (const d of docs) {
    const full = await requests.getRequest(String(d._id));
    if (full) out.push(full);
  }
  return out;
}

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe("screening worker, end to end", () => {
  it("turns a sealed intake of a defender in danger into an emergency request staff can open", async () => {
    const intake = makeIntake(keys.serve, { answers: dangerAnswers("Amina Example") });
    const jobId = await enqueue(queues.screening, sealedJob(keys.serve, intake));
    const { state, job } = await settled(queues.screening, jobId);
    expect(state).toBe("completed");
    expect(job.returnvalue.created).toBe(true);

    const [request, ...others] = await requestsOf(intake.intakeId);
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({
      requestId: job.returnvalue.requestId,
      reference: intake.reference,
      status: "new",
      urgency: "emergency",
      channel: "telegram",
      lang: "en",
      senderHash: intake.sender,
      lookupKeyId: keys.work.lookup.current,
      teamKeyId: team.keyId,
      duplicateOf: null,
    });
    expect(request?.reasons).toContain("danger_now");

    const content = openContent(request as ProtectionRequest);
    expect(content.answers).toEqual(intake.answers);
    expect(content.replyAddress).toBe(intake.replyAddress);
    expect(content.channel).toBe("telegram");
    expect(content.reference).toBe(intake.reference);

    expect(
      await counterValue("intake_requests_created_total", { urgency: "emergency" }),
    ).toBeGreaterThanOrEqual(1);
    const created = captured.events().filter((e) => e.event === "request.created");
    expect(created.at(-1)).toMatchObject({ level: "info", urgency: "emergency" });
  });

  it("scores a full intake without immediate danger below emergency, with its routes", async () => {
    const intake = makeIntake(keys.serve, { channel: "sms", answers: normalAnswers() });
    const jobId = await enqueue(queues.screening, sealedJob(keys.serve, intake));
    expect((await settled(queues.screening, jobId)).state).toBe("completed");
    const [request] = await requestsOf(intake.intakeId);
    expect(request?.urgency).not.toBe("emergency");
    expect(request?.routes).toContain("digital_security");
    expect(request?.channel).toBe("sms");
    expect(openContent(request as ProtectionRequest).answers).toEqual(intake.answers);
  });

  it("stores one request when the same job runs twice (replay after completion, or a direct re-run)", async () => {
    const intake = makeIntake(keys.serve);
    const data = sealedJob(keys.serve, intake);
    const jobId = await enqueue(queues.screening, data);
    const first = await settled(queues.screening, jobId);
    expect(first.state).toBe("completed");

    // The completed job is gone, payload and all (security row 24).
    expect(await queues.screening.getJobState(jobId)).toBe("unknown");
    // The ingress replays the same job id: the dedupe mark the first add left means nothing new is queued.
    await enqueue(queues.screening, data);
    expect(await queues.screening.getDeduplicationJobId(jobId)).toBe(jobId);
    await new Promise((r) => setTimeout(r, 300));
    expect(await finishedLines(queues.screening, jobId)).toHaveLength(1);
    // Running the processor again (as a second worker would after a lost lock) is a replay, not a new request.
    const again = await screening.process(new Job(queues.screening, "screen", data, {}, jobId));
    expect(again).toEqual({ requestId: first.job.returnvalue.requestId, created: false });
    // Even a new job for the same intake (after the replay window) ends in the same single request.
    await queues.screening.removeDeduplicationKey(jobId);
    const jobId2 = await enqueue(queues.screening, data);
    const second = await settled(queues.screening, jobId2, 20_000, 1);
    expect(second.job.returnvalue).toEqual({ requestId: first.job.returnvalue.requestId, created: false });

    expect(await requestsOf(intake.intakeId)).toHaveLength(1);
  });

  it("links a second request from the same sender to the first as a likely duplicate", async () => {
    const address = "5550001234";
    const a = makeIntake(keys.serve, { address });
    const b = makeIntake(keys.serve, { address });
    const idA = await enqueue(queues.screening, sealedJob(keys.serve, a));
    const first = await settled(queues.screening, idA);
    const idB = await enqueue(queues.screening, sealedJob(keys.serve, b));
    const second = await settled(queues.screening, idB);
    const [reqB] = await requestsOf(b.intakeId);
    expect(reqB?.duplicateOf).toBe(first.job.returnvalue.requestId);
    expect(reqB?.relatedRequestIds).toEqual([first.job.returnvalue.requestId]);
    const [reqA] = await requestsOf(a.intakeId);
    expect(reqA?.relatedRequestIds).toEqual([second.job.returnvalue.requestId]);
  });

  it("fails a tampered envelope once, without retry, with a content-free reason, and counts it", async () => {
    const before = await counterValue("intake_screening_envelope_failures_total", {
      reason: "INTAKE_ENVELOPE_INVALID",
    });
    const intake = makeIntake(keys.serve);
    const data = sealedJob(keys.serve, intake);
    const parts = data.sealed.split(".");
    const payload = Buffer.from(parts[3] as string, "base64url");
    payload[payload.length - 5] = (payload[payload.length - 5] ?? 0) ^ 1;
    const tampered = { ...data, sealed: [...parts.slice(0, 3), payload.toString("base64url")].join(".") };
    const jobId = await enqueue(queues.screening, tampered, {
      attempts: 5,
      backoff: { type: "exponential", delay: 10 },
    });
    const { state, job } = await settled(queues.screening, jobId);
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe("INTAKE_ENVELOPE_INVALID");
    expect(await requestsOf(intake.intakeId)).toHaveLength(0);
    expect(
      await counterValue("intake_screening_envelope_failures_total", { reason: "INTAKE_ENVELOPE_INVALID" }),
    ).toBe(before + 1);
  });

  it("fails an intake that opens but breaks the contract, without retry", async () => {
    const intake = makeIntake(keys.serve);
    const broken = { ...intake, answers: { ...intake.answers, consent: false } };
    const data = {
      v: 1 as const,
      intakeId: intake.intakeId,
      sealed: sealIntake(keys.serve.intake, intake.intakeId, JSON.stringify(broken)),
    };
    const jobId = await enqueue(queues.screening, data, {
      attempts: 5,
      backoff: { type: "exponential", delay: 10 },
    });
    const { state, job } = await settled(queues.screening, jobId);
    expect(state).toBe("failed");
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe("INTAKE_SCHEMA_INVALID");
  });

  it("fails an intake sealed under another intake's id (swapped envelope)", async () => {
    const a = makeIntake(keys.serve);
    const b = makeIntake(keys.serve);
    const swapped = { v: 1 as const, intakeId: b.intakeId, sealed: sealedJob(keys.serve, a).sealed };
    const jobId = await enqueue(queues.screening, swapped, { attempts: 5 });
    const { state, job } = await settled(queues.screening, jobId);
    expect(state).toBe("failed");
    expect(job.failedReason).toBe("INTAKE_ENVELOPE_INVALID");
    expect(await requestsOf(a.intakeId)).toHaveLength(0);
    expect(await requestsOf(b.intakeId)).toHaveLength(0);
  });

  it("keeps jobs waiting, without using attempts, until a team key exists", async () => {
    teamAvailable = false;
    const intake = makeIntake(keys.serve);
    const jobId = await enqueue(queues.screening, sealedJob(keys.serve, intake), { attempts: 1 });
    try {
      await eventually(
        async () => captured.events().some((e) => e.event === "screening.team_key_missing"),
        "team key warning",
      );
      const job = await queues.screening.getJob(jobId);
      expect(["delayed", "waiting", "active"]).toContain(await job?.getState());
      expect(await requestsOf(intake.intakeId)).toHaveLength(0);
    } finally {
      teamAvailable = true;
    }
    const { state, job } = await settled(queues.screening, jobId);
    expect(state).toBe("completed");
    // attempts: 1 and completed: the waits for the key used no attempt (the one made is the success).
    expect(job.attemptsMade).toBe(1);
    expect(await requestsOf(intake.intakeId)).toHaveLength(1);
  });
});

describe("createTeamKeyResolver", () => {
  const silent = captureLog("silent").log;
  const pinnedKey = { keyId: "aaaa0001", key: new Uint8Array(32).fill(1) };
  const dbKey = { keyId: "bbbb0002", key: new Uint8Array(32).fill(2) };
  const recordOf = (k: { keyId: string; key: Uint8Array }) => ({
    keyId: k.keyId,
    publicKey: toBase64url(k.key),
    createdAt: new Date(),
    createdBy: "x",
  });
  const pinsOf = (...ks: { keyId: string; key: Uint8Array }[]): TeamPins | undefined => {
    const last = ks.at(-1);
    return last ? { current: last.keyId, keys: new Map(ks.map((k) => [k.keyId, k.key])) } : undefined;
  };

  it("seals to the pinned key, accepts a database key only when it is pinned with the same bytes, and caches", async () => {
    let calls = 0;
    let current: ReturnType<typeof recordOf> | undefined;
    let pins = pinsOf(pinnedKey);
    let now = 0;
    const resolve = createTeamKeyResolver({
      pins: () => pins,
      store: {
        currentTeamKey: async () => {
          calls++;
          return current;
        },
      },
      ttlMs: 1000,
      missingTtlMs: 1000,
      log: silent,
      now: () => now,
    });
    expect(await resolve()).toEqual(pinnedKey);
    // A rotation the operator pinned: the database's new key is pinned, so it is used.
    current = recordOf(dbKey);
    pins = pinsOf(pinnedKey, dbKey);
    expect(await resolve()).toEqual(pinnedKey); // cached
    now = 1001;
    expect(await resolve()).toEqual(dbKey);
    expect(calls).toBe(2);
  });

  it("refuses a database key that is not pinned, or pinned under its id with other bytes", async () => {
    let now = 0;
    let pins = pinsOf(pinnedKey);
    let current = recordOf(dbKey);
    const resolve = createTeamKeyResolver({
      pins: () => pins,
      store: { currentTeamKey: async () => current },
      ttlMs: 10,
      missingTtlMs: 10,
      log: silent,
      now: () => now,
    });
    await expect(resolve()).rejects.toBeInstanceOf(TeamKeyUnpinnedError);
    await expect(resolve()).rejects.toMatchObject({ code: "TEAM_KEY_UNPINNED", keyId: dbKey.keyId });
    // Same key id as the pin, different bytes: an id proves nothing.
    current = recordOf({ keyId: pinnedKey.keyId, key: dbKey.key });
    now = 100;
    await expect(resolve()).rejects.toBeInstanceOf(TeamKeyUnpinnedError);
    // With no pin at all, a database key is refused too (pin it with intake keys pin-team).
    pins = undefined;
    current = recordOf(dbKey);
    now = 200;
    await expect(resolve()).rejects.toBeInstanceOf(TeamKeyUnpinnedError);
  });

  it("has no key before the first admin exists (no pin, no database key)", async () => {
    const resolve = createTeamKeyResolver({
      pins: () => undefined,
      store: { currentTeamKey: async () => undefined },
      log: silent,
    });
    expect(await resolve()).toBeUndefined();
  });

  it("uses the pinned key while the database is unreachable, and fails without one", async () => {
    const down = {
      currentTeamKey: async () => {
        throw new Error("down");
      },
    };
    const resolve = createTeamKeyResolver({ pins: () => pinsOf(pinnedKey), store: down, log: silent });
    expect(await resolve()).toEqual(pinnedKey);
    const cold = createTeamKeyResolver({ pins: () => undefined, store: down, log: silent });
    await expect(cold()).rejects.toThrow();
  });
});
