import { copyFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetSender, purgeRequests } from "../../queues/maintenance.js";
import { createQueues, type Queues } from "../../queues/queues.js";
import { createScreeningWorker, REQUEST_CONTENT_FIELD } from "../../queues/screening-worker.js";
import {
  type BoxKeyPair,
  decryptField,
  type Keyring,
  type KeyWithId,
  openDataKey,
  teamSealedKeyOf,
  wipe,
} from "../../src/crypto/index.js";
import { createLogger } from "../../src/log/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createErasureKeyStore, type ErasureKeyStore } from "../../src/storage/erasure-keys.js";
import { createRequestStore, type RequestStore } from "../../src/storage/requests.js";
import { enqueue, makeIntake, sealedJob, settled } from "../queues/support/intakes.js";
import { startFerret } from "../queues/support/processes.js";
import { useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";

/**
 * Security row 26: a copy of the database files taken before an erase (FerretDB's SQLite file with its WAL,
 * as a backup or a seized disk holds them) does not open after the erase, even with the team key; neither
 * does a copy of a request that the retention purge removed. Runs on a private FerretDB whose files it copies.
 */
const keys = await makeTestKeys();
const r = useTestRedis();
const db = "shred";
const canary = `SHREDCANARY${Date.now()}`;
const log = createLogger({ level: "silent" });
const teamRing: Keyring<BoxKeyPair> = {
  current: keys.team.keyId,
  keys: new Map([[keys.team.keyId, { publicKey: keys.team.publicKey, secretKey: keys.team.secretKey }]]),
};
const team: KeyWithId<Uint8Array> = { keyId: keys.team.keyId, key: keys.team.publicKey };

let ferret: Awaited<ReturnType<typeof startFerret>>;
let storage: Storage;
let requests: RequestStore;
let keyStore: ErasureKeyStore & { close(): Promise<void> };
let connection: Redis;
let queues: Queues;
let screening: ReturnType<typeof createScreeningWorker>;
let clockNow = new Date();

beforeAll(async () => {
  ferret = await startFerret();
  storage = connectStorage(`mongodb://127.0.0.1:${ferret.port}/${db}`);
  await storage.ensureIndexes();
  keyStore = createErasureKeyStore(storage.connection);
  requests = createRequestStore({
    connection: storage.connection,
    retentionDays: 1,
    erasureKeys: keyStore,
    clock: () => clockNow,
  });
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
  screening = createScreeningWorker({
    connection,
    prefix: r.prefix,
    keys: keys.work,
    requests,
    teamKey: async () => team,
    log,
  });
});

afterAll(async () => {
  await screening?.close(5_000);
  await queues?.close();
  connection?.disconnect();
  await keyStore?.close();
  await storage?.close();
});

/** A request stored by the screening worker from a sealed intake; returns its id and sender hash. */
async function storeOne(): Promise<{ requestId: string; sender: string }> {
  const intake = makeIntake(keys.serve, {
    answers: {
      language: "en",
      consent: true,
      danger_now: true,
      name: canary,
      location_country: "CD",
      contact_safe: true,
      contact_details: "Signal",
    },
  });
  const jobId = await enqueue(queues.screening, sealedJob(keys.serve, intake));
  const { state, job } = await settled(queues.screening, jobId);
  expect(state).toBe("completed");
  const requestId = (job.returnvalue as { requestId: string | null }).requestId;
  if (!requestId) throw new Error("no request stored");
  return { requestId, sender: intake.sender };
}

/** Copies the requests database's files (`<db>.sqlite`, `-wal`, `-shm`) as a backup or a seized disk has them. */
function copyDatabaseFiles(): string {
  const to = mkdtempSync(join(tmpdir(), "intake-ferret-copy-"));
  const files = readdirSync(ferret.dir).filter((f) => f.startsWith(`${db}.sqlite`));
  expect(files).toContain(`${db}.sqlite`);
  for (const f of files) copyFileSync(join(ferret.dir, f), join(to, f));
  // The key store is a database of its own: it is not in this copy.
  expect(existsSync(join(to, `${db}_keys.sqlite`))).toBe(false);
  return to;
}

/**
 * Tries to open request `requestId` from a copy of the database files, with the team secret key and whatever
 * the live key store still holds. Returns the decrypted content, or null when nothing opens it.
 */
async function openFromCopy(copyDir: string, requestId: string): Promise<string | null> {
  const copy = await startFerret(copyDir);
  const client = new MongoClient(`mongodb://127.0.0.1:${copy.port}/${db}`, {
    serverSelectionTimeoutMS: 5000,
  });
  try {
    const doc = await client.db(db).collection<{ _id: string }>("requests").findOne({ _id: requestId });
    expect(doc, "the copy still holds the request document").not.toBeNull();
    const stored = doc as unknown as { content?: string; sealedKey?: string; wrappedKey?: string };
    expect(stored.content, "the copy still holds the ciphertext").toBeTruthy();
    let sealed: string | null;
    try {
      sealed = teamSealedKeyOf(requestId, {
        sealedKey: stored.sealedKey ?? null,
        wrappedKey: stored.wrappedKey ?? null,
        erasureKey: await keyStore.get(requestId),
      });
    } catch {
      sealed = null;
    }
    if (!sealed) return null;
    const dataKey = openDataKey(teamRing, requestId, sealed);
    try {
      return decryptField(dataKey, requestId, REQUEST_CONTENT_FIELD, stored.content as string);
    } finally {
      wipe(dataKey);
    }
  } finally {
    await client.close();
    await copy.stop();
  }
}

describe("a copy of the database taken before an erase (row 26)", () => {
  it("opens before the erase and no longer opens after it, even with the team key", async () => {
    const { requestId, sender } = await storeOne();
    const copy = copyDatabaseFiles();
    // The copy is a real one: while the erasure key exists, the team key opens the request from it.
    expect(await openFromCopy(copy, requestId)).toContain(canary);

    await forgetSender({ requests, log }, sender);
    expect(await requests.getRequest(requestId)).toBeNull();
    expect(await keyStore.get(requestId)).toBeNull();
    expect(await openFromCopy(copy, requestId)).toBeNull();
  });

  it("of a request the retention purge removed does not open either", async () => {
    const { requestId } = await storeOne();
    let current = await requests.getRequest(requestId);
    current = await requests.changeStatus(requestId, current?.version ?? 0, "in_review");
    await requests.changeStatus(requestId, current.version, "closed");
    const copy = copyDatabaseFiles();
    expect(await openFromCopy(copy, requestId)).toContain(canary);

    clockNow = new Date(Date.now() + 3 * 86_400_000);
    const purged = await purgeRequests({ requests, log, clock: () => clockNow });
    expect(purged.deleted).toBeGreaterThanOrEqual(1);
    expect(await keyStore.get(requestId)).toBeNull();
    expect(await openFromCopy(copy, requestId)).toBeNull();
  });
});
