/**
 * S3 and S4 (worker half) and MongoDB bytes: the screening worker (open the sealed intake, score, re-seal for
 * staff, store) against a no-op worker on a queue of the same name; the request write through the store
 * (mongoose validation, then the driver's insertOne of the sender index and request documents) against
 * the native driver's insertOne of the same two documents; the bytes a request
 * takes in MongoDB.
 */
import { randomBytes } from "node:crypto";
import { Worker } from "bullmq";
import { BSON, MongoClient } from "mongodb";
import type { ScreeningJob } from "../queues/payloads.js";
import { bullPrefix, createQueues } from "../queues/queues.js";
import { createScreeningWorker } from "../queues/screening-worker.js";
import { openIntake } from "../src/crypto/index.js";
import { newIntakeId, referenceFor } from "../src/intake/index.js";
import { createLogger } from "../src/log/index.js";
import { closeRedis, createRedis } from "../src/redis/connect.js";
import { connectStorage } from "../src/storage/connection.js";
import { ensureIndexes } from "../src/storage/indexes.js";
import { createRequestStore, type NewRequest } from "../src/storage/requests.js";
import { makeIntake, normalAnswers, sealedJob } from "../test/queues/support/intakes.js";
import { type BenchResult, compareRounds, figure, opsPerSecond, type Section } from "./lib.js";
import { benchKeys, benchMongoUri, onCleanup, privateRedis, until } from "./support.js";

const SECTION = "S3 screening";
const SECTION_S4 = "S4 crypto cost";
const SECTION_MEM = "memory";
const PER_ROUND = 60;

interface StoredRequest extends Omit<NewRequest, "requestId"> {
  _id: string;
}

export const screeningSection: Section = {
  name: "screening",
  async run(ctx) {
    const results: BenchResult[] = [];
    const redisInfo = await privateRedis();
    const keys = await benchKeys();
    const mongoUri = benchMongoUri();
    const log = createLogger({ level: "silent" });
    const storage = connectStorage(mongoUri);
    onCleanup(() => storage.close());
    await storage.ping();
    await ensureIndexes(storage.connection);
    const requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });

    const realPrefix = "bench-real";
    const noopPrefix = "bench-noop";
    const producerConn = createRedis(redisInfo.url, "bullmq", "bench-producer");
    onCleanup(() => closeRedis(producerConn));
    const realQueues = createQueues(producerConn, realPrefix);
    const noopQueues = createQueues(producerConn, noopPrefix);
    onCleanup(() => realQueues.close());
    onCleanup(() => noopQueues.close());

    const workerConn = createRedis(redisInfo.url, "bullmq", "bench-worker");
    onCleanup(() => closeRedis(workerConn));
    let realDone = 0;
    const screening = createScreeningWorker({
      connection: workerConn,
      prefix: realPrefix,
      keys: keys.work,
      requests,
      teamKey: async () => keys.work.team,
      log,
    });
    screening.worker.on("completed", () => {
      realDone++;
    });
    onCleanup(() => screening.close(10_000));
    const noopConn = createRedis(redisInfo.url, "bullmq", "bench-noop");
    onCleanup(() => closeRedis(noopConn));
    let noopDone = 0;
    const noop = new Worker<ScreeningJob>("screening", async () => ({ requestId: null, created: false }), {
      connection: noopConn,
      prefix: bullPrefix(noopPrefix),
      concurrency: screening.worker.opts.concurrency ?? 1,
    });
    noop.on("completed", () => {
      noopDone++;
    });
    onCleanup(() => noop.close());

    const jobs = () =>
      Array.from({ length: PER_ROUND }, () => {
        const job = sealedJob(keys.serve, makeIntake(keys.serve, { answers: normalAnswers() }));
        return { name: "screen" as const, data: job, opts: { jobId: `i-${job.intakeId}` } };
      });
    // The requests collection grows by PER_ROUND each real round; the per-round rates and sizes are reported
    // so a slowdown with size shows instead of hiding in the median.
    const storedCount = () => storage.connection.db?.collection("requests").countDocuments({}) ?? 0;
    const realRounds: { rate: number; stored: number }[] = [];
    const round = (which: "real" | "noop") => async () => {
      const batch = jobs();
      const before = which === "real" ? realDone : noopDone;
      const start = performance.now();
      await (which === "real" ? realQueues : noopQueues).screening.addBulk(batch);
      const ok = await until(() => (which === "real" ? realDone : noopDone) - before >= PER_ROUND, 120_000);
      if (!ok) throw new Error(`${which} worker did not finish its round`);
      const rate = (PER_ROUND * 1000) / (performance.now() - start);
      if (which === "real") realRounds.push({ rate, stored: await storedCount() });
      return rate;
    };
    const s3 = await compareRounds(
      ctx,
      SECTION,
      "screening worker vs no-op worker",
      round("noop"),
      round("real"),
      {
        a: "no-op",
        b: "screening",
      },
    );
    results.push(s3.ratio, s3.a, s3.b);
    const firstRound = realRounds[0];
    const lastRound = realRounds[realRounds.length - 1];
    if (firstRound && lastRound) {
      results.push(
        figure(
          SECTION,
          "screening worker, last round vs first (collection growth)",
          "ratio",
          [lastRound.rate / firstRound.rate],
          `jobs/s by round ${realRounds.map((r) => r.rate.toFixed(0)).join(", ")} with ${realRounds
            .map((r) => r.stored)
            .join(", ")} requests stored; concurrency ${screening.worker.opts.concurrency} both`,
        ),
      );
    }

    // S4, worker half (derived): the worker's crypto runs on the event loop, so removing it saves its time.
    ctx.progress("worker crypto per job", 0, 1);
    const sample = sealedJob(keys.serve, makeIntake(keys.serve, { answers: normalAnswers() }));
    const openPerSecond = opsPerSecond(
      () => openIntake(keys.work.intake, sample.intakeId, sample.sealed),
      ctx.minTimeMs,
    );
    const cryptoMs = 1000 / openPerSecond;
    const jobMs = 1000 / s3.b.value;
    results.push(
      figure(
        SECTION_S4,
        "screening worker, encrypted vs plaintext (derived)",
        "ratio",
        [(jobMs - cryptoMs) / jobMs],
        `open ${cryptoMs.toFixed(2)} ms of ${jobMs.toFixed(1)} ms per job; staff re-seal not counted`,
      ),
    );

    // Mongoose (the store) vs the native driver, writing the same request documents.
    const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5000 });
    onCleanup(() => client.close());
    await client.connect();
    const collection = client.db().collection<StoredRequest>("requests");
    const template = await collection.findOne({});
    if (!template) throw new Error("no stored request to copy");
    let n = 0;
    const fresh = () => {
      n++;
      const intakeId = newIntakeId();
      return {
        id: `${template._id.slice(0, 10)}${n.toString(36).padStart(8, "0")}bench`,
        intakeId,
        reference: referenceFor(intakeId),
      };
    };
    const WRITES = 60;
    // Each write is a new sender's first request, as for the worker's jobs: the store writes the request and
    // its sender index document (request_senders), so the driver does the same two inserts.
    const senders = client
      .db()
      .collection<{ _id: string; requestIds: string[]; version: number }>("request_senders");
    const freshSender = () => randomBytes(32).toString("base64url");
    const viaMongoose = async () => {
      const start = performance.now();
      for (let i = 0; i < WRITES; i++) {
        const f = fresh();
        await requests.insertRequest({
          requestId: f.id,
          intakeId: f.intakeId,
          reference: f.reference,
          urgency: template.urgency,
          reasons: template.reasons,
          routes: template.routes,
          channel: template.channel,
          lang: template.lang,
          senderHash: freshSender(),
          lookupKeyId: template.lookupKeyId,
          teamKeyId: template.teamKeyId,
          content: template.content,
          sealedKey: template.sealedKey,
        });
      }
      return (WRITES * 1000) / (performance.now() - start);
    };
    const viaDriver = async () => {
      const start = performance.now();
      for (let i = 0; i < WRITES; i++) {
        const f = fresh();
        const senderHash = freshSender();
        await senders.insertOne({ _id: senderHash, requestIds: [f.id], version: Date.now() });
        await collection.insertOne({
          ...template,
          _id: f.id,
          intakeId: f.intakeId,
          reference: f.reference,
          senderHash,
        });
      }
      return (WRITES * 1000) / (performance.now() - start);
    };
    const writes = await compareRounds(
      ctx,
      SECTION,
      "request insert, mongoose vs native driver",
      viaDriver,
      viaMongoose,
      {
        a: "driver",
        b: "mongoose",
      },
    );
    results.push(writes.ratio, writes.a, writes.b);

    ctx.progress("MongoDB bytes per request", 0, 1);
    const sizes: number[] = [];
    for await (const doc of collection.find({}).limit(200)) sizes.push(BSON.calculateObjectSize(doc));
    results.push(
      figure(
        SECTION_MEM,
        "MongoDB bytes per request (BSON of the stored document)",
        "bytes",
        sizes,
        `median of ${sizes.length}; indexes extra`,
      ),
    );
    return results;
  },
};
