import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../app/cli.js";
import { createQueues, type Queues } from "../../queues/queues.js";
import {
  createScreeningWorker,
  createTeamKeyResolver,
  REQUEST_CONTENT_FIELD,
  type RequestContent,
  type ScreeningWorker,
} from "../../queues/screening-worker.js";
import {
  type BoxKeyPair,
  decryptRecord,
  type EncryptedRecord,
  generateBoxKeyPair,
  newKeyId,
  teamSealedKeyOf,
  toBase64url,
  wipe,
} from "../../src/crypto/index.js";
import { keyFingerprint, readTeamPins } from "../../src/keys/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore, type ProtectionRequest, type RequestStore } from "../../src/storage/requests.js";
import { createStaffStore, type StaffStore } from "../../src/storage/staff.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { enqueue, eventually, makeIntake, sealedJob, settled } from "./support/intakes.js";
import { captureLog } from "./support/log-capture.js";

/**
 * Security row 27: only a pinned team key receives requests. Someone who can write to MongoDB inserts their
 * own team public key; the screening worker refuses it loudly, seals nothing to it and keeps the job, which
 * completes once an operator pins the team's real new key with `intake keys pin-team`.
 */

const keys = await makeTestKeys();
const r = useTestRedis();
const m = useTestMongo();
const captured = captureLog();

let storage: Storage;
let requests: RequestStore;
let staff: StaffStore;
let connection: Redis;
let queues: Queues;
let screening: ScreeningWorker;

beforeAll(async () => {
  storage = connectStorage(m.uri);
  await storage.ensureIndexes();
  requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
  staff = createStaffStore(storage.connection);
  await staff.ensureIndexes();
  // The first admin's team key, published in the database and pinned in the manifest (makeTestKeys).
  await staff.addTeamKey({
    keyId: keys.team.keyId,
    publicKey: toBase64url(keys.team.publicKey),
    createdBy: "admin1",
  });
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
  screening = createScreeningWorker({
    connection,
    prefix: r.prefix,
    keys: keys.work,
    requests,
    // As app/wiring.ts builds it, with no caching so that the test sees each change at once.
    teamKey: createTeamKeyResolver({
      pins: () => readTeamPins(keys.dir),
      store: staff,
      log: captured.log,
      ttlMs: 0,
      missingTtlMs: 0,
    }),
    log: captured.log,
    teamKeyWaitMs: 200,
  });
});

afterAll(async () => {
  await screening?.close(5_000);
  await queues?.close();
  connection?.disconnect();
  await storage?.close();
});

async function requestsOf(intakeId: string): Promise<ProtectionRequest[]> {
  const docs = await (await m.client()).db(m.dbName).collection("requests").find({ intakeId }).toArray();
  const out: ProtectionRequest[] = [];
  for (const d of docs) {
    const full = await requests.getRequest(String(d._id));
    if (full) out.push(full);
  }
  return out;
}

function openWith(pair: BoxKeyPair, keyId: string, request: ProtectionRequest): RequestContent {
  const ring = { current: keyId, keys: new Map([[keyId, pair]]) };
  // The team-sealed data key, unwrapped with the request's erasure key (row 26).
  const record = {
    sealedKey: teamSealedKeyOf(request.requestId, request),
    fields: { [REQUEST_CONTENT_FIELD]: request.content },
  } as unknown as EncryptedRecord<typeof REQUEST_CONTENT_FIELD>;
  const { dataKey, fields } = decryptRecord(ring, request.requestId, record);
  wipe(dataKey);
  return JSON.parse(fields[REQUEST_CONTENT_FIELD]) as RequestContent;
}

/** What an attacker with write access to MongoDB does: a team_keys document newer than every other. */
async function insertTeamKeyDirectly(keyId: string, publicKey: Uint8Array): Promise<void> {
  await (await m.client())
    .db(m.dbName)
    .collection<{ _id: string; [k: string]: unknown }>("team_keys")
    .insertOne({
      _id: keyId,
      keyId,
      publicKey: toBase64url(publicKey),
      createdBy: "admin1",
      createdAt: new Date(Date.now() + 60_000),
    });
}

const unpinnedEvents = () =>
  captured.events().filter((e) => e.event === "screening.team_key_unpinned" && e.level === "error");

describe("team key pinning (row 27)", () => {
  it("seals to the pinned team key the first admin made", async () => {
    const intake = makeIntake(keys.serve);
    const { state } = await settled(
      queues.screening,
      await enqueue(queues.screening, sealedJob(keys.serve, intake)),
    );
    expect(state).toBe("completed");
    const [request] = await requestsOf(intake.intakeId);
    expect(request?.teamKeyId).toBe(keys.team.keyId);
    expect(openWith(keys.team, keys.team.keyId, request as ProtectionRequest).answers).toEqual(
      intake.answers,
    );
  });

  const rogue = generateBoxKeyPair();
  const rogueId = newKeyId();
  const rotated = generateBoxKeyPair();
  const rotatedId = newKeyId();
  let waitingIntake: ReturnType<typeof makeIntake>;
  let waitingJobId: string;

  it("refuses a team key inserted into MongoDB: loud error with a code, nothing sealed to it, the job kept", async () => {
    await insertTeamKeyDirectly(rogueId, rogue.publicKey);
    waitingIntake = makeIntake(keys.serve);
    waitingJobId = await enqueue(queues.screening, sealedJob(keys.serve, waitingIntake));

    // Wait for two refusals, or for the job to finish (which is the bug this guards against).
    await eventually(
      async () =>
        unpinnedEvents().length >= 2 || (await queues.screening.getJobState(waitingJobId)) === "completed",
      "the worker to refuse the key twice",
    );
    expect(await queues.screening.getJobState(waitingJobId)).not.toBe("completed");
    const event = unpinnedEvents()[0];
    expect(event).toMatchObject({ code: "TEAM_KEY_UNPINNED", keyId: rogueId });
    // Nothing stored, nothing sealed to the rogue key (nor to any other key) while the database disagrees.
    expect(await requestsOf(waitingIntake.intakeId)).toHaveLength(0);
    const all = await (await m.client()).db(m.dbName).collection("requests").find({}).toArray();
    expect(all.map((d) => d.teamKeyId)).not.toContain(rogueId);
    // The job is not lost: it waits in the delayed set without using attempts, its sealed intake intact.
    expect(["delayed", "waiting", "active"]).toContain(await queues.screening.getJobState(waitingJobId));
    const job = await queues.screening.getJob(waitingJobId);
    expect(job?.data.intakeId).toBe(waitingIntake.intakeId);
    expect(job?.attemptsMade).toBe(0);
    expect(job?.failedReason ?? "").toBe("");
  });

  it("still refuses when the team's real new key is published but not pinned on this host", async () => {
    const before = unpinnedEvents().length;
    await insertTeamKeyDirectly(rotatedId, rotated.publicKey);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Newer than the rogue key, so it is the database's current one now.
    await (await m.client())
      .db(m.dbName)
      .collection<{ _id: string }>("team_keys")
      .updateOne({ _id: rotatedId }, { $set: { createdAt: new Date(Date.now() + 120_000) } });
    await eventually(
      async () => unpinnedEvents().some((e, i) => i >= before && e.keyId === rotatedId),
      "a refusal naming the new key",
    );
    expect(await requestsOf(waitingIntake.intakeId)).toHaveLength(0);
  });

  it("after intake keys pin-team (fingerprint checked) the waiting job is sealed to the newly pinned key", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["keys", "pin-team", "--fingerprint", keyFingerprint(rotated.publicKey)], {
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
    expect(out.join("\n")).toContain(`pinned team key ${rotatedId} as current`);
    expect(readTeamPins(keys.dir)?.current).toBe(rotatedId);

    const { state, job } = await settled(queues.screening, waitingJobId);
    expect(state).toBe("completed");
    expect(job.returnvalue.created).toBe(true);
    const [request] = await requestsOf(waitingIntake.intakeId);
    expect(request?.teamKeyId).toBe(rotatedId);
    expect(openWith(rotated, rotatedId, request as ProtectionRequest).answers).toEqual(waitingIntake.answers);
    // The rogue key opens nothing.
    expect(() => openWith(rogue, rotatedId, request as ProtectionRequest)).toThrow();
    // The first request still opens with the previous pin, which stays listed.
    expect(readTeamPins(keys.dir)?.keys.has(keys.team.keyId)).toBe(true);
  });
});
