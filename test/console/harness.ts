import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { buildServer } from "../../app/server.js";
import type { ConsoleOutboundJob } from "../../src/console/deps.js";
import { createConsolePlugin } from "../../src/console/plugin.js";
import { createStaffFromPassphrase, PERSONAL_KEY_ID } from "../../src/console/staff-enrolment.js";
import { currentTotp } from "../../src/console/totp.js";
import {
  type Argon2Params,
  type BoxKeyPair,
  cryptoReady,
  deriveStaffKeys,
  encryptRecord,
  fromBase64url,
  generateBoxKeyPair,
  generateSecretKey,
  type Keyring,
  newErasureKey,
  newKeyId,
  newStaffSalt,
  openTeamKey,
  sealTeamKey,
  TEST_ARGON2ID,
  toBase64url,
  unwrapPersonalKey,
  wrapPersonalKey,
  wrapSealedKey,
} from "../../src/crypto/index.js";
import { createReadiness } from "../../src/health/readiness.js";
import { createLogger } from "../../src/log/index.js";
import type { Urgency } from "../../src/screening/types.js";
import { type AuditLog, createAuditLog } from "../../src/storage/audit.js";
import { connectStorage, type Storage } from "../../src/storage/connection.js";
import { ensureIndexes } from "../../src/storage/indexes.js";
import { asCiphertext } from "../../src/storage/opaque.js";
import { createPartnerStore, type PartnerStore } from "../../src/storage/partners.js";
import { createRequestStore, type RequestStore } from "../../src/storage/requests.js";
import { createStaffStore, type StaffStore } from "../../src/storage/staff.js";
import { type TestKeys, testAuditKey } from "../support/keys.js";

/** A running console over real Redis and MongoDB, with a movable clock and a recording outbound queue. */
export interface ConsoleHarness {
  readonly app: FastifyInstance;
  readonly storage: Storage;
  readonly staff: StaffStore;
  readonly requests: RequestStore;
  readonly partners: PartnerStore;
  readonly audit: AuditLog;
  readonly outbound: { keyId: string; publicKey: Uint8Array; secretKey: Uint8Array };
  readonly enqueued: ConsoleOutboundJob[];
  readonly cspViolations: Array<{ directive: string; blocked: string }>;
  readonly admin: { id: string; username: string; passphrase: string; totpSecret: string };
  readonly teamPublic: { keyId: string; key: Uint8Array };
  /** The console's clock (ms); tests move it forward instead of sleeping. */
  now: number;
  close(): Promise<void>;
}

export const ADMIN_PASSPHRASE = "correct horse battery staple";

/** Starts the console on `buildServer` (the same server `intake serve` uses) and creates the first admin. */
export async function startConsole(opts: {
  redis: Redis;
  prefix: string;
  mongoUri: string;
  cookieSecure?: boolean;
  /** A real key directory (test/support/keys.ts): the outbound key pair comes from it when given. */
  keys?: TestKeys;
  /** Argon2id floor for the console; tests' accounts use TEST_ARGON2ID, so that is the default here. */
  kdfFloor?: Argon2Params;
  /** Proxy addresses whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy?: string[];
}): Promise<ConsoleHarness> {
  await cryptoReady();
  const storage = connectStorage(opts.mongoUri);
  await storage.ping();
  await ensureIndexes(storage.connection);
  const staff = createStaffStore(storage.connection);
  await staff.ensureIndexes();
  const totpKey = { keyId: newKeyId(), key: generateSecretKey() };
  const created = await createStaffFromPassphrase(staff, {
    username: "ada",
    displayName: "Ada Admin",
    admin: true,
    passphrase: ADMIN_PASSPHRASE,
    kdf: TEST_ARGON2ID,
    totpKey,
  });
  const team = await staff.currentTeamKey();
  if (!team) throw new Error("no team key");
  const outbound = outboundPair(opts.keys);
  const auditKey = opts.keys?.serve.audit ?? testAuditKey();
  const enqueued: ConsoleOutboundJob[] = [];
  const cspViolations: Array<{ directive: string; blocked: string }> = [];
  const log = createLogger({ level: process.env.CONSOLE_TEST_LOG ?? "silent" });

  const harness = {
    storage,
    staff,
    requests: createRequestStore({ connection: storage.connection, retentionDays: 90 }),
    partners: createPartnerStore({ connection: storage.connection }),
    audit: createAuditLog({ connection: storage.connection, key: auditKey }),
    outbound,
    enqueued,
    cspViolations,
    admin: {
      id: created.account.id,
      username: "ada",
      passphrase: ADMIN_PASSPHRASE,
      totpSecret: created.totpSecret,
    },
    teamPublic: { keyId: team.keyId, key: fromBase64url(team.publicKey) },
    now: Date.now(),
  } as ConsoleHarness;

  const app = await buildServer({
    log,
    readiness: createReadiness({ mongodb: () => storage.ping() }),
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    plugins: [
      createConsolePlugin({
        log,
        redis: opts.redis,
        redisPrefix: opts.prefix,
        connection: storage.connection,
        auditKey,
        retentionDays: 90,
        enqueueOutbound: async (job) => {
          enqueued.push(job);
        },
        outboundPublicKey: async () => ({ keyId: outbound.keyId, publicKey: outbound.publicKey }),
        cookieSecure: opts.cookieSecure ?? true,
        now: () => harness.now,
        onCspViolation: (v) => cspViolations.push(v),
        kdfFloor: opts.kdfFloor ?? TEST_ARGON2ID,
        totpKey,
      }),
    ],
  });
  Object.assign(harness, {
    app,
    close: async () => {
      await app.close();
      await storage.close();
    },
  });
  return harness;
}

/** The outbound pair: the serve role's public key and the work role's secret from `keys`, or a fresh pair. */
function outboundPair(keys: TestKeys | undefined): {
  keyId: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  if (keys) {
    const keyId = keys.serve.outbound.current;
    const publicKey = keys.serve.outbound.keys.get(keyId);
    const secret = keys.work.outbound.keys.get(keyId);
    if (publicKey && secret) return { keyId, publicKey, secretKey: secret.secretKey };
  }
  const pair = generateBoxKeyPair();
  return { keyId: newKeyId(), publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** One seeded request: its id, reference and the canary text planted in its answers. */
export interface SeededRequest {
  readonly requestId: string;
  readonly reference: string;
  readonly urgency: Urgency;
  readonly canary: string;
}

/** Encrypts an intake (canary answers) for the team key, as the screening worker does, and stores it. */
export async function seedRequest(
  h: ConsoleHarness,
  input: {
    urgency: Urgency;
    answers?: Record<string, unknown>;
    reasons?: string[];
    routes?: string[];
    channel?: "telegram" | "sms";
    lang?: "en" | "fr" | "es" | "ar" | "ru";
  },
): Promise<SeededRequest> {
  const requestId = randomBytes(9).toString("base64url");
  const canary = `CANARY${randomBytes(6).toString("hex")}`;
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const ref = Array.from(randomBytes(8), (b) => alphabet[b % 32]).join("");
  const reference = `${ref.slice(0, 4)}-${ref.slice(4)}`;
  const intake = {
    v: 1,
    reference,
    lang: input.lang ?? "en",
    channel: input.channel ?? "telegram",
    replyAddress: `9${randomBytes(4).readUInt32BE(0)}`,
    answers: input.answers ?? {
      danger_now: input.urgency === "emergency",
      name: `${canary} name`,
      threat_description: `${canary} threat`,
      location_country: "CD",
    },
  };
  const record = encryptRecord(h.teamPublic, requestId, { content: JSON.stringify(intake) });
  const erasureKey = newErasureKey();
  await h.requests.insertRequest({
    requestId,
    intakeId: randomBytes(9).toString("base64url"),
    reference,
    urgency: input.urgency,
    reasons: (input.reasons ?? (input.urgency === "emergency" ? ["danger_now"] : ["death_threat"])) as never,
    routes: (input.routes ?? ["emergency_grant"]) as never,
    channel: input.channel ?? "telegram",
    lang: input.lang ?? "en",
    senderHash: randomBytes(24).toString("base64url"),
    lookupKeyId: "abcd1234",
    teamKeyId: h.teamPublic.keyId,
    content: asCiphertext(record.fields.content),
    // As the screening worker stores it: the sealed data key wrapped under an erasure key (row 26).
    wrappedKey: asCiphertext(wrapSealedKey(erasureKey, requestId, record.sealedKey)),
    erasureKey,
  });
  return { requestId, reference, urgency: input.urgency, canary };
}

/** Cookie header value from a set of Set-Cookie headers. */
export function cookieHeader(setCookies: string | string[] | undefined, jar: Map<string, string>): string {
  for (const c of Array.isArray(setCookies) ? setCookies : setCookies ? [setCookies] : []) {
    const [pair] = c.split(";");
    const eq = pair?.indexOf("=") ?? -1;
    if (pair && eq > 0) {
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}

/** A signed-in API client over `inject`, as the browser module would call it. */
export interface ApiClient {
  readonly jar: Map<string, string>;
  csrf: string;
  get(
    path: string,
  ): Promise<{ status: number; json: () => unknown; headers: Record<string, unknown>; body: string }>;
  post(
    path: string,
    body: unknown,
    opts?: { csrf?: string | null },
  ): Promise<{ status: number; json: () => unknown; headers: Record<string, unknown>; body: string }>;
}

/** Opens the shell (pre-sign-in CSRF cookie + token) and returns an unauthenticated client. */
export async function anonymousClient(h: ConsoleHarness): Promise<ApiClient> {
  const jar = new Map<string, string>();
  const shell = await h.app.inject({ method: "GET", url: "/staff" });
  cookieHeader(shell.headers["set-cookie"], jar);
  const token = /name="csrf-token" content="([^"]+)"/.exec(shell.body)?.[1] ?? "";
  const client: ApiClient = {
    jar,
    csrf: token,
    async get(path) {
      const res = await h.app.inject({
        method: "GET",
        url: path,
        headers: { cookie: cookieHeader(undefined, jar) },
      });
      cookieHeader(res.headers["set-cookie"], jar);
      return { status: res.statusCode, json: () => res.json(), headers: res.headers, body: res.body };
    },
    async post(path, body, opts) {
      const csrf = opts?.csrf === undefined ? client.csrf : opts.csrf;
      const res = await h.app.inject({
        method: "POST",
        url: path,
        headers: {
          cookie: cookieHeader(undefined, jar),
          "content-type": "application/json",
          ...(csrf === null ? {} : { "x-csrf-token": csrf }),
        },
        payload: JSON.stringify(body),
      });
      cookieHeader(res.headers["set-cookie"], jar);
      return { status: res.statusCode, json: () => res.json(), headers: res.headers, body: res.body };
    },
  };
  return client;
}

/** Derives the authentication key as the browser does (salt from the API). */
export async function authKeyFor(client: ApiClient, username: string, passphrase: string): Promise<string> {
  const salt = (await client.get(`/staff/api/salt?username=${encodeURIComponent(username)}`)).json() as {
    salt: string;
    opsLimit: number;
    memLimit: number;
  };
  const keys = deriveStaffKeys(passphrase, fromBase64url(salt.salt), {
    opsLimit: salt.opsLimit,
    memLimit: salt.memLimit,
  });
  return toBase64url(keys.authKey);
}

/** Signs in over the API; moves the clock one TOTP step first so codes are never replays. */
export async function signIn(
  h: ConsoleHarness,
  user: { username: string; passphrase: string; totpSecret: string } = h.admin,
): Promise<ApiClient> {
  h.now += 30_000;
  const client = await anonymousClient(h);
  const res = await client.post("/staff/api/login", {
    username: user.username,
    authKey: await authKeyFor(client, user.username, user.passphrase),
    totp: currentTotp(user.totpSecret, h.now),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  client.csrf = (res.json() as { csrf: string }).csrf;
  return client;
}

/** Opens the team key as the admin's browser does (passphrase → unwrapping key → personal key → team key). */
export async function adminTeamKey(h: ConsoleHarness): Promise<Keyring<BoxKeyPair>> {
  const account = await h.staff.findById(h.admin.id);
  if (!account) throw new Error("admin missing");
  const { unwrapKey } = deriveStaffKeys(h.admin.passphrase, fromBase64url(account.kdfSalt), {
    opsLimit: account.kdfOps,
    memLimit: account.kdfMem,
  });
  const personal = unwrapPersonalKey(unwrapKey, account.id, account.wrappedPersonalSecret);
  const team = openTeamKey({ keyId: PERSONAL_KEY_ID, key: personal }, account.id, account.sealedTeamSecret);
  return { current: team.keyId, keys: new Map([[team.keyId, team.key]]) };
}

/** A member enrolled through an invitation, as `signIn` takes them. */
export interface EnrolledMember {
  id: string;
  username: string;
  passphrase: string;
  totpSecret: string;
  totpUri: string;
}

/** What the member's browser sends to redeem an invitation (keys made on the member's side). */
export function joinMaterial(
  username: string,
  code: string,
  passphrase: string,
  kdf: Argon2Params = TEST_ARGON2ID,
) {
  const id = randomBytes(16).toString("base64url");
  const salt = newStaffSalt();
  const keys = deriveStaffKeys(passphrase, salt, kdf);
  const personal = generateBoxKeyPair();
  return {
    id,
    username,
    code,
    kdfSalt: toBase64url(salt),
    kdfOps: kdf.opsLimit,
    kdfMem: kdf.memLimit,
    authKey: toBase64url(keys.authKey),
    personalPublicKey: toBase64url(personal.publicKey),
    wrappedPersonalSecret: wrapPersonalKey(keys.unwrapKey, id, personal.secretKey),
  };
}

/**
 * Enrols a member as the console does: the admin invites, the member redeems the code with keys made on their
 * side, then the admin seals the current team key to the member's public key (after comparing fingerprints).
 */
export async function enrolMember(
  h: ConsoleHarness,
  admin: ApiClient,
  username: string,
  passphrase: string,
): Promise<EnrolledMember> {
  const invited = await admin.post("/staff/api/admin/invitations", {
    username,
    displayName: username,
    admin: false,
  });
  if (invited.status !== 200) throw new Error(`invitation failed: ${invited.status}`);
  const { code } = invited.json() as { code: string };
  const member = await anonymousClient(h);
  const material = joinMaterial(username, code, passphrase);
  const joined = await member.post("/staff/api/join", material);
  if (joined.status !== 200) throw new Error(`join failed: ${joined.status}`);
  const { totpSecret, totpUri } = joined.json() as { totpSecret: string; totpUri: string };
  const team = await adminTeamKey(h);
  const pair = team.keys.get(team.current);
  const account = await h.staff.findById(material.id);
  if (!pair || !account) throw new Error("no team key or member");
  const granted = await admin.post(`/staff/api/admin/staff/${material.id}/team-key`, {
    teamKeyId: team.current,
    sealedTeamSecret: sealTeamKey(
      { keyId: PERSONAL_KEY_ID, key: fromBase64url(material.personalPublicKey) },
      material.id,
      {
        keyId: team.current,
        key: pair.secretKey,
      },
    ),
    version: account.version,
  });
  if (granted.status !== 200) throw new Error(`grant failed: ${granted.status}`);
  return { id: material.id, username, passphrase, totpSecret, totpUri };
}
