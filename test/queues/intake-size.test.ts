import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngressSealing } from "../../bots/ingress/sealing.js";
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
  openIntake,
  teamSealedKeyOf,
  wipe,
} from "../../src/crypto/index.js";
import type { IntakeRecord } from "../../src/intake/intake-record.js";
import { createLogger } from "../../src/log/index.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { createRequestStore } from "../../src/storage/requests.js";
import { useTestMongo, useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";
import { enqueue, makeIntake, normalAnswers, settled } from "./support/intakes.js";

/** Row 31 (size): what a defender wrote does not show in the size of anything stored. */
const keys = await makeTestKeys();
const r = useTestRedis();
const m = useTestMongo();
const team = keys.work.team as KeyWithId<Uint8Array>;
const teamRing: Keyring<BoxKeyPair> = {
  current: keys.team.keyId,
  keys: new Map([[keys.team.keyId, { publicKey: keys.team.publicKey, secretKey: keys.team.secretKey }]]),
};

let storage: Storage;
let connection: Redis;
let queues: Queues;
let screening: ScreeningWorker;

beforeAll(async () => {
  storage = connectStorage(m.uri);
  await storage.ensureIndexes();
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, r.prefix);
  screening = createScreeningWorker({
    connection,
    prefix: r.prefix,
    keys: keys.work,
    requests: createRequestStore({ connection: storage.connection, retentionDays: 90 }),
    teamKey: async () => team,
    log: createLogger({ level: "silent" }),
  });
});

afterAll(async () => {
  await screening?.close(5_000);
  await queues?.close();
  connection?.disconnect();
  await storage?.close();
});

const oneWord = (): IntakeRecord => makeIntake(keys.serve, { answers: normalAnswers("Journalist") });
const long = (): IntakeRecord => {
  const answers = normalAnswers("Я пишу о захвате земель ".repeat(21).slice(0, 500));
  answers.threat_description = "x".repeat(500);
  answers.contact_details = "تواصل معي مساءً ".repeat(18).slice(0, 290);
  return makeIntake(keys.serve, { channel: "sms", answers });
};

describe("one-word and 500-character intakes store the same size", () => {
  it("in the sealed screening job and in the stored request", async () => {
    const sealing = createIngressSealing(keys.serve);
    const intakes = [oneWord(), long()];
    const sizes: { sealed: number; content: number; sealedKey: number }[] = [];
    for (const intake of intakes) {
      // Sealed exactly as the ingress seals a completed intake into its screening job.
      const job = {
        v: 1 as const,
        intakeId: intake.intakeId,
        sealed: sealing.sealIntake(JSON.stringify(intake), intake.intakeId),
      };
      expect(JSON.parse(openIntake(keys.work.intake, intake.intakeId, job.sealed))).toEqual(intake);
      const jobId = await enqueue(queues.screening, job);
      expect((await settled(queues.screening, jobId)).state).toBe("completed");
      const client = await m.client();
      const doc = await client.db(m.dbName).collection("requests").findOne({ intakeId: intake.intakeId });
      if (!doc) throw new Error("request not stored");
      // Opened as staff would: the data key unwrapped with the request's erasure key, then the team key.
      const stored = await createRequestStore({
        connection: storage.connection,
        retentionDays: 90,
      }).getRequest(String(doc._id));
      if (!stored) throw new Error("request not readable");
      const record = {
        sealedKey: teamSealedKeyOf(stored.requestId, stored),
        fields: { [REQUEST_CONTENT_FIELD]: doc.content },
      } as unknown as EncryptedRecord<typeof REQUEST_CONTENT_FIELD>;
      const { dataKey, fields } = decryptRecord(teamRing, String(doc._id), record);
      wipe(dataKey);
      expect(JSON.parse(fields[REQUEST_CONTENT_FIELD]).answers).toEqual(intake.answers);
      sizes.push({
        sealed: job.sealed.length,
        content: String(doc.content).length,
        sealedKey: String(doc.wrappedKey).length,
      });
    }
    const [a, b] = intakes.map((i) => JSON.stringify(i.answers).length);
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThan(1000);
    expect(sizes[1]).toEqual(sizes[0]);
  });
});
