import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFinishedJobs } from "../../queues/finished-jobs.js";
import { createQueues, type Queues } from "../../queues/queues.js";
import { createScreeningWorker } from "../../queues/screening-worker.js";
import type { KeyWithId } from "../../src/crypto/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore } from "../../src/storage/requests.js";
import { useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { enqueue, eventually, makeIntake, normalAnswers, sealedJob, settled } from "./support/intakes.js";
import { captureLog } from "./support/log-capture.js";
import { killAndWait, startFerret, startNodeChild } from "./support/processes.js";

/**
 * Faults of the process and of MongoDB, against a private FerretDB (so the shared one is never touched):
 * every job still ends in exactly one request.
 */
const keys = await makeTestKeys();
const r = useTestRedis();
const childScript = fileURLToPath(new URL("./support/screening-child.ts", import.meta.url));

let ferret: Awaited<ReturnType<typeof startFerret>>;
let uri: string;
let storage: Storage;
let connection: Redis;
let queues: Queues;
let mongo: MongoClient;

beforeAll(async () => {
  ferret = await startFerret();
  uri = `mongodb://127.0.0.1:${ferret.port}/faults`;
  storage = connectStorage(uri);
  await storage.ensureIndexes();
  mongo = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
});

afterAll(async () => {
  await queues?.close();
  connection?.disconnect();
  await storage?.close();
  await mongo?.close().catch(() => {});
});

async function countRequests(intakeId: string): Promise<number> {
  return mongo.db("faults").collection("requests").countDocuments({ intakeId });
}

describe("a worker process killed with SIGKILL in the middle of a job", () => {
  it("leaves the job to be recovered as stalled, and the restarted worker stores exactly one request", async () => {
    const output: string[] = [];
    const env = {
      CHILD_KEYS_DIR: keys.dir,
      CHILD_MONGO_URI: uri,
      CHILD_REDIS_URL: r.url,
      CHILD_PREFIX: r.prefix,
    };
    const first = await startNodeChild(childScript, env, output);
    // MongoDB stops answering (paused, not gone): the job hangs in the middle, as on a slow failover.
    ferret.pause();
    let resumed = false;
    let second: Awaited<ReturnType<typeof startNodeChild>> | undefined;
    try {
      const intake = makeIntake(keys.serve, { answers: normalAnswers() });
      const jobId = await enqueue(queues.screening, sealedJob(keys.serve, intake));
      await eventually(async () => (await queues.screening.getJobState(jobId)) === "active", "job active");
      await killAndWait(first.child);
      ferret.resume();
      resumed = true;
      expect(await queues.screening.getJobState(jobId)).toBe("active");

      second = await startNodeChild(childScript, env, output);
      const { state, job } = await settled(queues.screening, jobId, 30_000);
      expect(state).toBe("completed");
      expect(job.returnvalue).toMatchObject({ requestId: expect.any(String) });
      expect(await countRequests(intake.intakeId)).toBe(1);
      // The child's log lines are content-free: no answer, no address.
      const logs = output.join("");
      expect(logs).toContain('"event":"request.created"');
      expect(logs).not.toContain(intake.replyAddress);
      expect(logs).not.toContain(String(intake.answers.threat_description));
    } finally {
      if (!resumed) ferret.resume();
      await first.stop();
      await second?.stop();
    }
  }, 60_000);
});

describe("MongoDB stopped while jobs are processed, then started again", () => {
  it("retries every job with backoff until it succeeds: one request each, none failed", async () => {
    const captured = captureLog();
    const requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
    const worker = createScreeningWorker({
      connection,
      prefix: r.prefix,
      keys: keys.work,
      requests,
      teamKey: async () => keys.work.team as KeyWithId<Uint8Array>,
      log: captured.log,
    });
    try {
      await ferret.stop();
      const intakes = Array.from({ length: 5 }, () => makeIntake(keys.serve));
      const jobIds: string[] = [];
      for (const intake of intakes) {
        jobIds.push(
          await enqueue(queues.screening, sealedJob(keys.serve, intake), {
            attempts: 30,
            backoff: { type: "exponential", delay: 100 },
          }),
        );
      }
      // Every job has failed at least once, transiently, while MongoDB was down (each job, not merely as
      // many retries as jobs: one job can retry twice before the last one is first tried).
      await eventually(
        async () => {
          const jobs = await Promise.all(jobIds.map((id) => queues.screening.getJob(id)));
          return jobs.every((job) => (job?.attemptsMade ?? 0) >= 1);
        },
        "every job to fail once while MongoDB is down",
        30_000,
      );
      const reasons = new Set(
        captured
          .events()
          .filter((e) => e.event === "screening.job_retry")
          .map((e) => e.reason),
      );
      expect([...reasons]).toEqual(["STORAGE_UNAVAILABLE"]);

      await ferret.restart();
      for (const jobId of jobIds) {
        const { state, job } = await settled(queues.screening, jobId, 40_000);
        expect(state).toBe("completed");
        expect(job.attemptsMade).toBeGreaterThan(1);
      }
      for (const intake of intakes) expect(await countRequests(intake.intakeId)).toBe(1);
      expect(await queues.screening.getFailedCount()).toBe(0);
      const lines = await createFinishedJobs({ redis: connection, prefix: r.prefix }).list("screening");
      expect(lines.filter((l) => l.state === "failed")).toEqual([]);
      expect(captured.events().some((e) => e.event === "screening.job_failed")).toBe(false);
    } finally {
      await worker.close(5_000);
    }
  }, 60_000);
});
