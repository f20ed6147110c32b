/**
 * Crash of the workers and of the database through the whole pipeline: defenders complete intakes over the
 * Telegram webhook of a `serve` role (in this process), while `intake work` runs as a child process against a
 * FerretDB of this test's own. With FerretDB frozen (SIGSTOP) a screening job is held mid-write; then the
 * worker process is SIGKILLed, FerretDB is SIGKILLed and started again on its data, and a new `intake work`
 * starts. Every intake must end as exactly one protection request, with no failed screening job.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { createFinishedJobs } from "../../queues/finished-jobs.js";
import { bullPrefix } from "../../queues/queues.js";
import { lookupHash } from "../../src/crypto/index.js";
import type { ConversationState } from "../../src/intake/index.js";
import { DEFAULT_TELEGRAM_TOKEN } from "../../stand-ins/telegram-bot-api.js";
import { startFerret } from "../queues/support/processes.js";
import { conversationState } from "../support/conversation.js";
import { canaryAnswers, defaultAnswers } from "../support/ingress-driver.js";
import {
  PUBLIC_BASE_URL,
  startPipeline,
  TELEGRAM_SECRET,
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_FROM,
} from "../support/pipeline.js";
import { testRedisUrl } from "../support/services.js";
import { killAndWait, waitUntil } from "./support/own-redis.js";

const ferret = await startFerret();
let ferretNow: { stop(): Promise<void>; pause(): void } = ferret;
const dbName = `t_wk${Date.now().toString(36)}`;
const mongoUri = `mongodb://127.0.0.1:${ferret.port}/${dbName}`;
const pipeline = await startPipeline({ role: "serve", env: { MONGODB_URI: mongoUri } });
const { keys, telegram } = pipeline;
const bin = fileURLToPath(new URL("../../bin/intake.mjs", import.meta.url));

const workers = new Set<ChildProcess>();
afterAll(async () => {
  await Promise.all([...workers].map((c) => killAndWait(c)));
});

/** `intake work` in a child process with the same configuration as the serve role; resolves once listening. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, "work"], {
    env: {
      ...process.env,
      INTAKE_MODE: "demo",
      HOST: "127.0.0.1",
      PORT: "0",
      PUBLIC_BASE_URL,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: pipeline.prefix,
      MONGODB_URI: mongoUri,
      KEYS_DIR: keys.dir,
      TELEGRAM_BOT_TOKEN: DEFAULT_TELEGRAM_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_FROM,
      TWILIO_API_BASE: pipeline.twilio.apiBase,
      TWILIO_SEGMENTS_PER_SECOND: "200",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  workers.add(child);
  child.once("exit", () => workers.delete(child));
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr?.resume();
  await waitUntil("intake work to listen", () => out.includes("listening on"), 40_000);
  return child;
}

function stateOf(sender: string): Promise<ConversationState | null | undefined> {
  return conversationState(pipeline.redis.redis(), pipeline.prefix, keys, sender);
}

/** Answers each question the engine asks (read from the encrypted state) until the intake is submitted. */
async function completeIntake(user: number, tag: string): Promise<void> {
  const sender = lookupHash(keys.serve.lookup, "telegram", String(user));
  const answers = defaultAnswers(canaryAnswers(tag));
  const send = async (text: string) => {
    expect((await telegram.userSends(user, text)).status).toBe(200);
  };
  await send("hello");
  await waitUntil("the conversation to start", async () => (await stateOf(sender)) !== undefined);
  for (let turn = 0; turn < 60; turn++) {
    const state = await stateOf(sender);
    if (!state) return;
    const before = JSON.stringify(state);
    await send(answers[state.step] ?? "1");
    await waitUntil("the answer to be applied", async () => JSON.stringify(await stateOf(sender)) !== before);
  }
  throw new Error("intake did not complete");
}

let client: MongoClient | undefined;
afterAll(async () => {
  await client?.close().catch(() => undefined);
});

interface StoredRequest {
  intakeId: string;
}

async function requests(): Promise<StoredRequest[]> {
  client ??= new MongoClient(`mongodb://127.0.0.1:${ferret.port}`, { serverSelectionTimeoutMS: 3000 });
  return client
    .db(dbName)
    .collection<StoredRequest>("requests")
    .find({}, { projection: { _id: 0, intakeId: 1 } })
    .toArray();
}

const screening = `${bullPrefix(pipeline.prefix)}:screening`;

describe("worker killed mid-job and MongoDB restarted, through the whole pipeline", () => {
  it("every intake ends as exactly one request", async () => {
    let worker = await startWorker();
    await completeIntake(7_300_000_001, "wk1");
    await waitUntil("the first request", async () => (await requests()).length === 1, 30_000);

    // Freeze the database, so the next screening job is held in the middle of its write.
    ferretNow.pause();
    await completeIntake(7_300_000_002, "wk2");
    const redis = pipeline.redis.redis();
    await waitUntil(
      "a screening job in progress",
      async () => (await redis.llen(`${screening}:active`)) > 0,
      20_000,
    );
    await killAndWait(worker);
    await ferretNow.stop();
    ferretNow = await ferret.restart();
    await client?.close().catch(() => undefined);
    client = undefined;
    worker = await startWorker();

    // A third intake while the new worker recovers the stalled job.
    await completeIntake(7_300_000_003, "wk3");
    // The killed worker's lock lapses after its 15 s lockDuration; the next stalled check (every 10 s)
    // re-queues the job.
    await waitUntil("three requests", async () => (await requests()).length >= 3, 70_000).catch(
      () => undefined,
    );

    const stored = await requests();
    if (stored.length !== 3) {
      // What the screening queue holds, to tell a slow recovery from a lost job (no content in these).
      const lists = {
        wait: await redis.llen(`${screening}:wait`),
        active: await redis.llen(`${screening}:active`),
        delayed: await redis.zrange(`${screening}:delayed`, "0", "-1", "WITHSCORES"),
        failed: await redis.zcard(`${screening}:failed`),
        completed: await redis.zcard(`${screening}:completed`),
        now: Date.now(),
      };
      console.error("screening queue:", JSON.stringify(lists));
    }
    expect(stored.length).toBe(3);
    expect(new Set(stored.map((r) => r.intakeId)).size).toBe(3);
    expect(await redis.zcard(`${screening}:failed`)).toBe(0);
    // Finished jobs are removed (security row 24): their lines say none failed.
    const lines = await createFinishedJobs({ redis, prefix: pipeline.prefix }).list("screening");
    expect(lines.filter((l) => l.state === "failed")).toEqual([]);
  }, 150_000);
});
