import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../app/cli.js";
import { createFinishedJobs, type FinishedJob } from "../../queues/finished-jobs.js";
import {
  createMaintenanceWorker,
  enqueueForgetSender,
  type MaintenanceWorker,
  scheduleMaintenance,
} from "../../queues/maintenance.js";
import type { MaintenanceJob } from "../../queues/payloads.js";
import { createQueues, type Queues } from "../../queues/queues.js";
import {
  createScreeningWorker,
  REQUEST_CONTENT_FIELD,
  type ScreeningWorker,
} from "../../queues/screening-worker.js";
import {
  type BoxKeyPair,
  decryptRecord,
  type EncryptedRecord,
  type Keyring,
  type KeyWithId,
  teamSealedKeyOf,
  wipe,
} from "../../src/crypto/index.js";
import { createMetrics, type Metrics } from "../../src/metrics/index.js";
import { type AuditLog, createAuditLog } from "../../src/storage/audit.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore, type ProtectionRequest, type RequestStore } from "../../src/storage/requests.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { enqueue, eventually, makeIntake, sealedJob, settled } from "./support/intakes.js";
import { captureLog } from "./support/log-capture.js";

const keys = await makeTestKeys();
const r = useTestRedis();
const m = useTestMongo();
const teamRing: Keyring<BoxKeyPair> = {
  current: keys.team.keyId,
  keys: new Map([[keys.team.keyId, { publicKey: keys.team.publicKey, secretKey: keys.team.secretKey }]]),
};
const day = 86_400_000;

let storage: Storage;
let requests: RequestStore;
let audit: AuditLog;
let connection: Redis;
let queues: Queues;
let metrics: Metrics;
let screening: ScreeningWorker;
let maintenance: MaintenanceWorker;
const captured = captureLog();

beforeAll(async () => {
  storage = connectStorage(m.uri);
  await storage.ensureIndexes();
  requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
  audit = createAuditLog({ connection: storage.connection, key: keys.work.audit });
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
  metrics = createMetrics();
  screening = createScreeningWorker({
    connection,
    prefix: r.prefix,
    keys: keys.work,
    requests,
    teamKey: async () => keys.work.team as KeyWithId<Uint8Array>,
    log: captured.log,
  });
  maintenance = createMaintenanceWorker({
    connection,
    prefix: r.prefix,
    requests,
    audit,
    log: captured.log,
    metrics,
  });
});

afterAll(async () => {
  await maintenance?.close(5_000);
  await screening?.close(5_000);
  await queues?.close();
  connection?.disconnect();
  await storage?.close();
});

/** Screens one intake through the real worker and returns its stored request. */
async function storedRequest(address?: string): Promise<ProtectionRequest> {
  const intake = makeIntake(keys.serve, address ? { address } : {});
  const { job } = await settled(
    queues.screening,
    await enqueue(queues.screening, sealedJob(keys.serve, intake)),
  );
  const request = await requests.getRequest(String(job.returnvalue.requestId));
  if (!request) throw new Error("no request stored");
  return request;
}

/** Closes a request as if staff had done it `daysAgo` days ago (the retention clock starts then). */
async function closeDaysAgo(request: ProtectionRequest, daysAgo: number): Promise<void> {
  const past = createRequestStore({
    connection: storage.connection,
    retentionDays: 90,
    clock: () => new Date(Date.now() - daysAgo * day),
  });
  const reviewed = await past.changeStatus(request.requestId, request.version, "in_review");
  await past.changeStatus(request.requestId, reviewed.version, "closed");
}

function canDecrypt(request: ProtectionRequest | null): boolean {
  const sealedKey = request?.content ? teamSealedKeyOf(request.requestId, request) : null;
  if (!request?.content || !sealedKey) return false;
  const record = {
    sealedKey,
    fields: { [REQUEST_CONTENT_FIELD]: request.content },
  } as unknown as EncryptedRecord<typeof REQUEST_CONTENT_FIELD>;
  try {
    const { dataKey } = decryptRecord(teamRing, request.requestId, record);
    wipe(dataKey);
    return true;
  } catch {
    return false;
  }
}

async function rawDoc(requestId: string) {
  const client = await m.client();
  return client
    .db(m.dbName)
    .collection("requests")
    .findOne({ _id: requestId as never });
}

async function runMaintenance(data: MaintenanceJob, jobId: string) {
  await queues.maintenance.add(data.task, data, { jobId });
  return settled(queues.maintenance, jobId);
}

/** The maintenance queue's finished lines of forget-sender jobs (those reporting `marked`), newest first. */
async function forgetLines(): Promise<FinishedJob[]> {
  const lines = await createFinishedJobs({ redis: connection, prefix: r.prefix }).list("maintenance");
  return lines.filter((l) => l.result && "marked" in l.result);
}

/**
 * Waits for the line of the next forget-sender job to finish (its id names the sender's hash, so the line
 * does not keep it): `before` is the count of such lines before it was queued.
 */
async function forgetFinished(before: number): Promise<FinishedJob> {
  await eventually(async () => (await forgetLines()).length > before, "forget job");
  return (await forgetLines())[0] as FinishedJob;
}

describe("purge drill", () => {
  it("crypto-shreds and deletes a request past retention, and leaves an active one readable", async () => {
    const expired = await storedRequest();
    const active = await storedRequest();
    const closedRecently = await storedRequest();
    expect(canDecrypt(expired)).toBe(true);
    await closeDaysAgo(expired, 120);
    await closeDaysAgo(closedRecently, 10);

    const { state, job } = await runMaintenance({ v: 1, task: "purge-requests" }, "purge-drill");
    expect(state).toBe("completed");
    expect(job.returnvalue).toMatchObject({ shredded: 1, deleted: 1 });

    expect(await rawDoc(expired.requestId)).toBeNull();
    expect(canDecrypt(await requests.getRequest(expired.requestId))).toBe(false);
    expect(canDecrypt(await requests.getRequest(active.requestId))).toBe(true);
    expect(canDecrypt(await requests.getRequest(closedRecently.requestId))).toBe(true);

    const purged = captured.events().filter((e) => e.event === "maintenance.purged");
    expect(purged.at(-1)).toMatchObject({ shredded: 1, deleted: 1, referralsDeleted: 0 });
    expect((await audit.verifyAuditChain()).ok).toBe(true);
  });
});

describe("forget-sender (a defender's delete after submitting)", () => {
  it("makes every open request of that sender unreadable and removes it; other senders are untouched", async () => {
    const mine = [await storedRequest("4440001"), await storedRequest("4440001")];
    const other = await storedRequest("4440002");
    const sender = mine[0]?.senderHash as string;

    // The job names the sender, so its id is random and it keeps nothing once run (row 25).
    const before = (await forgetLines()).length;
    const jobId = await enqueueForgetSender(queues.maintenance, sender, "entry-1");
    expect(jobId).not.toContain(sender);
    const line = await forgetFinished(before);
    expect(line.state).toBe("completed");
    expect(line.result).toEqual({
      marked: 2,
      deleted: 2,
      screeningJobs: 0,
      outboundJobs: 0,
      eventEntries: 0,
    });
    // The finished job is gone, and nothing of it names the sender.
    expect(await queues.maintenance.getJobState(jobId)).toBe("unknown");
    expect(
      JSON.stringify(await createFinishedJobs({ redis: connection, prefix: r.prefix }).list("maintenance")),
    ).not.toContain(sender);
    for (const req of mine) {
      expect(await rawDoc(req.requestId)).toBeNull();
      const events = await audit.listForRequest(req.requestId);
      expect(events.map((e) => e.action)).toEqual(["delete"]);
    }
    expect(canDecrypt(await requests.getRequest(other.requestId))).toBe(true);
    // A replayed delete (same entry) runs again and finds nothing more to do.
    const replay = await enqueueForgetSender(queues.maintenance, sender, "entry-1");
    await eventually(async () => (await queues.maintenance.getJobState(replay)) === "unknown", "replay");
    expect(canDecrypt(await requests.getRequest(other.requestId))).toBe(true);
    for (const req of mine) {
      expect((await audit.listForRequest(req.requestId)).map((e) => e.action)).toEqual(["delete"]);
    }
  });
});

describe("forget-sender while the defender's intake is still queued", () => {
  it("drops intakes queued before the delete, and keeps one submitted after it", async () => {
    const address = "4440003";
    const before = makeIntake(keys.serve, { address });
    // Still waiting for screening when the defender deletes (delayed, as if the workers were busy).
    const beforeId = `i-${before.intakeId}`;
    await queues.screening.add("screen", sealedJob(keys.serve, before), { jobId: beforeId, delay: 60_000 });

    const forgotten = (await forgetLines()).length;
    const forgetId = await enqueueForgetSender(queues.maintenance, before.sender, "entry-9");
    expect((await forgetFinished(forgotten)).state).toBe("completed");
    expect(await queues.maintenance.getJobState(forgetId)).toBe("unknown");

    await (await queues.screening.getJob(beforeId))?.promote();
    const dropped = await settled(queues.screening, beforeId);
    expect(dropped.state).toBe("completed");
    expect(dropped.job.returnvalue).toEqual({ requestId: null, created: false });
    const client = await m.client();
    const stored = client.db(m.dbName).collection("requests");
    expect(await stored.countDocuments({ intakeId: before.intakeId })).toBe(0);

    const after = makeIntake(keys.serve, { address });
    const kept = await settled(
      queues.screening,
      await enqueue(queues.screening, sealedJob(keys.serve, after)),
    );
    expect(kept.job.returnvalue.created).toBe(true);
    expect(canDecrypt(await requests.getRequest(String(kept.job.returnvalue.requestId)))).toBe(true);
  });
});

describe("maintenance jobs", () => {
  it("fail a malformed job without retry", async () => {
    const bad = { v: 1, task: "forget-sender", sender: "not a hash!" } as MaintenanceJob;
    const { state, job } = await runMaintenance(bad, "bad-forget");
    expect(state).toBe("failed");
    expect(job.failedReason).toBe("MAINTENANCE_JOB_INVALID");
    expect(job.attemptsMade).toBe(1);
  });

  it("complete a task owned elsewhere with a warning when no handler is wired", async () => {
    const { state } = await runMaintenance({ v: 1, task: "prune-dedupe" }, "prune-unwired");
    expect(state).toBe("completed");
    expect(captured.events().some((e) => e.event === "maintenance.task_unhandled")).toBe(true);
  });

  it("are scheduled with upsertJobScheduler, idempotently, and the scheduled purge runs", async () => {
    await scheduleMaintenance(queues.maintenance, { purgeEveryMs: 300 });
    await scheduleMaintenance(queues.maintenance, { purgeEveryMs: 300 });
    const schedulers = await queues.maintenance.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(["purge-requests"]);
    const before = captured.events().filter((e) => e.event === "maintenance.purged").length;
    await eventually(
      async () => captured.events().filter((e) => e.event === "maintenance.purged").length >= before + 2,
      "two scheduled purges",
    );
    await queues.maintenance.removeJobScheduler("purge-requests");
    expect(await queues.maintenance.getJobSchedulers()).toEqual([]);
  });
});

describe("intake purge (CLI)", () => {
  it("runs the purge once and prints counts only", async () => {
    const expired = await storedRequest();
    await closeDaysAgo(expired, 100);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["purge"], {
      env: {
        INTAKE_MODE: "demo",
        MONGODB_URI: m.uri,
        REDIS_URL: r.url,
        KEYS_DIR: keys.dir,
        LOG_LEVEL: "silent",
      },
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      readStdin: async () => "",
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual(["shredded 1, deleted 1, referrals deleted 0"]);
    expect(await rawDoc(expired.requestId)).toBeNull();
  });

  it("says so when MongoDB is not reachable", async () => {
    const err: string[] = [];
    const code = await runCli(["purge"], {
      env: { INTAKE_MODE: "demo", MONGODB_URI: "mongodb://127.0.0.1:1/none", LOG_LEVEL: "silent" },
      stdout: () => {},
      stderr: (line) => err.push(line),
      readStdin: async () => "",
    });
    expect(code).toBe(1);
    expect(err.join("\n")).toContain("intake purge");
  });
});
