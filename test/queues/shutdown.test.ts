import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFinishedJobs } from "../../queues/finished-jobs.js";
import { createQueues, type Queues } from "../../queues/queues.js";
import { connectStorage } from "../../src/storage/connection.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { enqueue, eventually, makeIntake, sealedJob, settled } from "./support/intakes.js";
import { startNodeChild } from "./support/processes.js";

/** Security row 11: SIGTERM under load leaves no stalled job and loses nothing. */
const keys = await makeTestKeys();
const r = useTestRedis();
const m = useTestMongo();
const childScript = fileURLToPath(new URL("./support/screening-child.ts", import.meta.url));

let connection: Redis;
let queues: Queues;

beforeAll(async () => {
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
});

afterAll(async () => {
  await queues?.close();
  connection?.disconnect();
});

describe("SIGTERM of a screening worker process under load", () => {
  it("finishes its active jobs before exiting; a new worker does the rest; one request per intake", async () => {
    const env = {
      CHILD_KEYS_DIR: keys.dir,
      CHILD_MONGO_URI: m.uri,
      CHILD_REDIS_URL: r.url,
      CHILD_PREFIX: r.prefix,
    };
    const output: string[] = [];
    // The child's storage creates no indexes: do it here, as the roles do before their workers run.
    const storage = connectStorage(m.uri);
    await storage.ensureIndexes();
    await storage.close();

    const first = await startNodeChild(childScript, env, output);
    const intakes = Array.from({ length: 40 }, () => makeIntake(keys.serve));
    const jobIds: string[] = [];
    for (const intake of intakes) jobIds.push(await enqueue(queues.screening, sealedJob(keys.serve, intake)));
    // Finished jobs are removed (security row 24); each leaves a content-free line.
    const lines = createFinishedJobs({ redis: connection, prefix: r.prefix });
    await eventually(async () => (await lines.list("screening")).length >= 3, "some jobs done");

    const exited = once(first.child, "exit");
    first.child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    // Nothing left active (so nothing will stall) and nothing failed.
    expect(await queues.screening.getActiveCount()).toBe(0);
    expect(await queues.screening.getFailedCount()).toBe(0);
    expect((await lines.list("screening")).filter((l) => l.state === "failed")).toEqual([]);

    const second = await startNodeChild(childScript, env, output);
    try {
      for (const jobId of jobIds)
        expect((await settled(queues.screening, jobId, 30_000)).state).toBe("completed");
      const client = await m.client();
      const requests = client.db(m.dbName).collection("requests");
      for (const intake of intakes)
        expect(await requests.countDocuments({ intakeId: intake.intakeId })).toBe(1);
      expect(output.join("")).not.toContain('"event":"screening.job_failed"');
    } finally {
      await second.stop();
    }
  }, 60_000);
});
