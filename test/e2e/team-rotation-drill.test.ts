import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../app/cli.js";
import { createQueues } from "../../queues/queues.js";
import { REQUEST_CONTENT_FIELD } from "../../queues/screening-worker.js";
import { PERSONAL_KEY_ID } from "../../src/console/staff-enrolment.js";
import { currentTotp } from "../../src/console/totp.js";
import {
  type BoxKeyPair,
  decryptRecord,
  deriveStaffKeys,
  type EncryptedRecord,
  fromBase64url,
  generateBoxKeyPair,
  type Keyring,
  lookupHash,
  newKeyId,
  openTeamKey,
  sealTeamKey,
  teamSealedKeyOf,
  toBase64url,
  unwrapPersonalKey,
} from "../../src/crypto/index.js";
import { keyFingerprint, readTeamPins } from "../../src/keys/index.js";
import { createRequestStore, type ProtectionRequest } from "../../src/storage/requests.js";
import { createStaffStore } from "../../src/storage/staff.js";
import {
  type ApiClient,
  anonymousClient,
  authKeyFor,
  type ConsoleHarness,
  type EnrolledMember,
  enrolMember,
} from "../console/harness.js";
import { canaryAnswers, defaultAnswers } from "../support/ingress-driver.js";
import { startPipeline } from "../support/pipeline.js";
import { completeIntakeThrough, waitUntil } from "../support/pipeline-intake.js";

/**
 * Requirement 37's rotation drill, through the whole service as `intake all` runs it: the first admin is made
 * with `intake staff add --admin` (which pins team key A), two members join, a defender submits a request
 * sealed to A. One member leaves: the admin disables them and rotates the team key from the console API
 * exactly as the admin's browser does. Until an operator pins the new key B (`intake keys pin-team`), a new
 * intake waits in the screening queue (TEAM_KEY_UNPINNED) and is not lost; once B is pinned it, and every
 * later intake, is sealed to B only. The departed member's copy of A opens none of them, current staff open
 * every request (the old one through the key chain), and the departed member cannot sign in.
 */
const pipeline = await startPipeline();
const { keys, telegram } = pipeline;
const { storage } = pipeline.app.context;
const staff = createStaffStore(storage.connection);
const requestStore = createRequestStore({
  connection: storage.connection,
  retentionDays: pipeline.config.retentionDays,
  erasureKeys: storage.erasureKeys,
});
const queues = createQueues(pipeline.app.context.redis, pipeline.prefix);
afterAll(async () => {
  await queues.close();
});

/** The environment an operator's `intake` commands see on this host. */
const cliEnv = {
  INTAKE_MODE: "demo",
  MONGODB_URI: pipeline.mongoUri,
  REDIS_URL: pipeline.redis.url,
  REDIS_PREFIX: pipeline.prefix,
  KEYS_DIR: keys.dir,
  LOG_LEVEL: "silent",
};

async function intakeCli(args: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env: cliEnv,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    readStdin: async () => stdin,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * The test/console harness helpers against the pipeline's own console (same Fastify server, real clock): they
 * use only `app.inject`, the staff store and the first admin's credentials.
 */
let h: ConsoleHarness;

/** Signs in over the API as the browser does, with the TOTP code of the real clock. */
async function signIn(user: {
  username: string;
  passphrase: string;
  totpSecret: string;
}): Promise<ApiClient> {
  const client = await anonymousClient(h);
  const res = await client.post("/staff/api/login", {
    username: user.username,
    authKey: await authKeyFor(client, user.username, user.passphrase),
    totp: currentTotp(user.totpSecret, Date.now()),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  client.csrf = (res.json() as { csrf: string }).csrf;
  return client;
}

/** What a member's browser holds after sign-in: its team key, then every older one through the chain. */
async function memberKeyring(client: ApiClient, member: { id: string; passphrase: string }) {
  const me = (await client.get("/staff/api/me")).json() as {
    keys: {
      kdfSalt: string;
      kdfOps: number;
      kdfMem: number;
      wrappedPersonalSecret: string;
      sealedTeamSecret: string;
    };
  };
  const { unwrapKey } = deriveStaffKeys(member.passphrase, fromBase64url(me.keys.kdfSalt), {
    opsLimit: me.keys.kdfOps,
    memLimit: me.keys.kdfMem,
  });
  const personal = unwrapPersonalKey(unwrapKey, member.id, me.keys.wrappedPersonalSecret);
  const current = openTeamKey({ keyId: PERSONAL_KEY_ID, key: personal }, member.id, me.keys.sealedTeamSecret);
  const chain = (await client.get("/staff/api/team-keys")).json() as {
    keys: Array<{ keyId: string; sealedPrevious: string | null }>;
  };
  const ring = new Map<string, BoxKeyPair>([[current.keyId, current.key]]);
  let at = chain.keys.find((k) => k.keyId === current.keyId);
  while (at?.sealedPrevious) {
    const pair = ring.get(at.keyId);
    if (!pair) break;
    const older = openTeamKey({ keyId: at.keyId, key: pair }, `team:${at.keyId}`, at.sealedPrevious);
    ring.set(older.keyId, older.key);
    at = chain.keys.find((k) => k.keyId === older.keyId);
  }
  return { current: current.keyId, keys: ring } satisfies Keyring<BoxKeyPair>;
}

/** Opens a stored request as a staff browser does: the team-sealed data key, unwrapped by its erasure key. */
function openRequest(ring: Keyring<BoxKeyPair>, request: ProtectionRequest): string {
  const record = {
    sealedKey: teamSealedKeyOf(request.requestId, request),
    fields: { [REQUEST_CONTENT_FIELD]: request.content },
  } as unknown as EncryptedRecord<typeof REQUEST_CONTENT_FIELD>;
  return decryptRecord(ring, request.requestId, record).fields[REQUEST_CONTENT_FIELD];
}

/** A Telegram defender who completes an intake with canary answers. */
function defender(label: string, userId: number) {
  const canaries = canaryAnswers(`drill-${label}`);
  const sender = lookupHash(keys.serve.lookup, "telegram", String(userId));
  return {
    label,
    sender,
    canaries,
    submit: () =>
      completeIntakeThrough(
        pipeline,
        async (text) => {
          expect((await telegram.userSends(userId, text)).status).toBe(200);
        },
        sender,
        defaultAnswers(canaries),
      ),
    async request(): Promise<ProtectionRequest | null> {
      const db = (await pipeline.mongo.client()).db(pipeline.mongo.dbName);
      const doc = await db.collection("requests").findOne({ senderHash: sender });
      return doc ? requestStore.getRequest(String(doc._id)) : null;
    },
  };
}

const before = defender("before", 7_440_000_001);
const waiting = defender("waiting", 7_440_000_002);
const after = defender("after", 7_440_000_003);

const ADMIN_PASSPHRASE = "drill admin long passphrase";
let admin: ApiClient;
let bea: EnrolledMember;
let cyd: EnrolledMember;
/** What the departed member can keep: the team key pair their browser opened while they were on the team. */
let cydOldRing: Keyring<BoxKeyPair>;
/** The departed member's session from before they were disabled. */
let cydSession: ApiClient;
let keyA: string;
const keyB = { keyId: newKeyId(), pair: generateBoxKeyPair() };

beforeAll(async () => {
  // The bootstrap, as an operator runs it: the first admin and team key A, pinned in this host's KEYS_DIR.
  const made = await intakeCli(
    ["staff", "add", "--name", "ada", "--admin", "--kdf", "interactive"],
    ADMIN_PASSPHRASE,
  );
  expect(made.err).toBe("");
  expect(made.code).toBe(0);
  const totpSecret = /TOTP secret: (\S+)/.exec(made.out)?.[1] ?? "";
  const account = await staff.findByUsername("ada");
  if (!account) throw new Error("no admin");
  keyA = account.teamKeyId;
  expect(readTeamPins(keys.dir)?.current).toBe(keyA);
  h = {
    app: pipeline.app.server,
    staff,
    admin: { id: account.id, username: "ada", passphrase: ADMIN_PASSPHRASE, totpSecret },
  } as unknown as ConsoleHarness;

  admin = await signIn(h.admin);
  bea = await enrolMember(h, admin, "bea", "bea's long passphrase");
  cyd = await enrolMember(h, admin, "cyd", "cyd's long passphrase");
  cydSession = await signIn(cyd);
  cydOldRing = await memberKeyring(cydSession, cyd);
  expect(cydOldRing.current).toBe(keyA);

  await before.submit();
  await waitUntil("the first request", async () => (await before.request()) !== null);
}, 120_000);

describe("team key rotation drill through the screening worker (row 37)", () => {
  it("seals the request submitted before the rotation to team key A", async () => {
    const request = await before.request();
    expect(request?.teamKeyId).toBe(keyA);
    expect(openRequest(cydOldRing, request as ProtectionRequest)).toContain(
      before.canaries.threat_description,
    );
  });

  it("rotates from the console: the disabled member's sealed key is deleted, new intakes wait for the pin", async () => {
    const cydAccount = await staff.findById(cyd.id);
    const off = await admin.post(`/staff/api/admin/staff/${cyd.id}/disabled`, {
      disabled: true,
      version: cydAccount?.version,
    });
    expect(off.status).toBe(200);

    // The admin's browser: open A, seal it to B, seal B's secret to every active member's public key.
    const adminRing = await memberKeyring(admin, h.admin);
    const pairA = adminRing.keys.get(keyA);
    if (!pairA) throw new Error("the admin cannot open A");
    const sealFor = async (id: string) => {
      const a = await staff.findById(id);
      if (!a) throw new Error("member missing");
      return {
        id,
        version: a.version,
        sealedTeamSecret: sealTeamKey(
          { keyId: PERSONAL_KEY_ID, key: fromBase64url(a.personalPublicKey) },
          id,
          {
            keyId: keyB.keyId,
            key: keyB.pair.secretKey,
          },
        ),
      };
    };
    const rotated = await admin.post("/staff/api/admin/team-key/rotate", {
      previousKeyId: keyA,
      keyId: keyB.keyId,
      publicKey: toBase64url(keyB.pair.publicKey),
      sealedPrevious: sealTeamKey({ keyId: keyB.keyId, key: keyB.pair.publicKey }, `team:${keyB.keyId}`, {
        keyId: keyA,
        key: pairA.secretKey,
      }),
      members: [await sealFor(h.admin.id), await sealFor(bea.id)],
    });
    expect(rotated.status).toBe(200);
    expect((await staff.currentTeamKey())?.keyId).toBe(keyB.keyId);
    expect((await staff.findById(cyd.id))?.sealedTeamSecret).toBe("");

    // A defender completes an intake now: the database says B, this host still pins A. Nothing is sealed,
    // neither to A (which the departed member holds) nor to B; the job waits in the screening queue.
    await waiting.submit();
    await waitUntil(
      "the screening worker to refuse the unpinned key",
      async () =>
        pipeline.logText().includes('"screening.team_key_unpinned"') || (await waiting.request()) !== null,
    );
    expect(await waiting.request()).toBeNull();
    const refusal = pipeline
      .logText()
      .split("\n")
      .find((line) => line.includes('"screening.team_key_unpinned"'));
    expect(refusal).toContain('"code":"TEAM_KEY_UNPINNED"');
    expect(refusal).toContain(keyB.keyId);
    // The log line comes just before the job is moved back to the delayed set.
    await waitUntil(
      "the job to wait in the delayed set",
      async () => (await queues.screening.getDelayedCount()) === 1,
    );
    const [job] = await queues.screening.getDelayed();
    expect(job?.attemptsMade).toBe(0);
    expect(job?.failedReason ?? "").toBe("");
  });

  it("after intake keys pin-team, the waiting intake and the next one are sealed to B only", async () => {
    const pinned = await intakeCli([
      "keys",
      "pin-team",
      "--fingerprint",
      keyFingerprint(keyB.pair.publicKey),
    ]);
    expect(pinned.err).toBe("");
    expect(pinned.code).toBe(0);
    expect(readTeamPins(keys.dir)?.current).toBe(keyB.keyId);

    await after.submit();
    // The waiting job comes back from the delayed set by itself (the worker's wait, up to a minute).
    await waitUntil(
      "both requests",
      async () => (await waiting.request()) !== null && (await after.request()) !== null,
      150_000,
    );
    const ringB: Keyring<BoxKeyPair> = { current: keyB.keyId, keys: new Map([[keyB.keyId, keyB.pair]]) };
    for (const d of [waiting, after]) {
      const request = (await d.request()) as ProtectionRequest;
      expect(request.teamKeyId, d.label).toBe(keyB.keyId);
      expect(openRequest(ringB, request)).toContain(d.canaries.threat_description);
      // The departed member's old key opens it neither under its own id nor tried against B's id.
      expect(() => openRequest(cydOldRing, request)).toThrow();
      const pairA = cydOldRing.keys.get(keyA) as BoxKeyPair;
      expect(() =>
        openRequest({ current: keyB.keyId, keys: new Map([[keyB.keyId, pairA]]) }, request),
      ).toThrow();
    }
    // Nothing after the rotation went to A: the only request sealed to A is the one from before.
    const db = (await pipeline.mongo.client()).db(pipeline.mongo.dbName);
    const sealedToA = await db.collection("requests").find({ teamKeyId: keyA }).toArray();
    expect(sealedToA.map((r) => String(r._id))).toEqual([(await before.request())?.requestId]);
  }, 200_000);

  it("current staff open every stored request, the old one through the key chain", async () => {
    const beaRing = await memberKeyring(await signIn(bea), bea);
    expect(beaRing.current).toBe(keyB.keyId);
    expect([...beaRing.keys.keys()].sort()).toEqual([keyA, keyB.keyId].sort());
    for (const d of [before, waiting, after]) {
      const request = (await d.request()) as ProtectionRequest;
      expect(openRequest(beaRing, request), d.label).toContain(d.canaries.threat_description);
    }
  });

  it("the disabled member's session is over and they cannot sign in", async () => {
    expect((await cydSession.get("/staff/api/me")).status).toBe(401);
    await expect(signIn(cyd)).rejects.toThrow(/sign-in failed: 401/);
  });
});
