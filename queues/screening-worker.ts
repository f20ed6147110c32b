import { randomBytes } from "node:crypto";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import {
  type BoxKeyPair,
  encryptRecord,
  fromBase64url,
  type Keyring,
  type KeyWithId,
  lookupHashes,
  newErasureKey,
  openIntake,
  wipe,
  wrapSealedKey,
} from "../src/crypto/index.js";
import { isAppError } from "../src/errors/app-error.js";
import type { IntakeRecord } from "../src/intake/intake-record.js";
import { padIntakeJson } from "../src/intake/intake-size.js";
import { currentPin, isPinned, type TeamPins } from "../src/keys/index.js";
import type { Log } from "../src/log/index.js";
import type { Metrics } from "../src/metrics/index.js";
import { intakeProblems, parseIntake } from "../src/screening/intake-schema.js";
import { screen } from "../src/screening/screen.js";
import type { Urgency } from "../src/screening/types.js";
import { addDays } from "../src/storage/days.js";
import { asCiphertext } from "../src/storage/opaque.js";
import type { RequestStore } from "../src/storage/requests.js";
import type { TeamKeyRecord } from "../src/storage/staff.js";
import { createFinishedJobs, recordFinishedJobs } from "./finished-jobs.js";
import { queueNames, type ScreeningJob } from "./payloads.js";
import { bullPrefix } from "./queues.js";

/** The one encrypted field of a request: its AD binds `[requestId, "content"]`. */
export const REQUEST_CONTENT_FIELD = "content";

/**
 * What staff decrypt in the browser (field `content`, JSON): everything the defender told us and how to
 * reach them. Nothing here ever leaves the worker unencrypted.
 */
export interface RequestContent {
  readonly v: 1;
  readonly intakeId: string;
  readonly reference: string;
  readonly channel: IntakeRecord["channel"];
  readonly replyAddress: string;
  readonly lang: IntakeRecord["lang"];
  readonly flowVersion: string;
  readonly consentVersion: string;
  readonly startedDay: string;
  readonly completedDay: string;
  readonly answers: IntakeRecord["answers"];
}

/** Content-free reason codes a screening attempt can fail with (job failedReason and metric label). */
export const screeningFailureReasons = [
  "SCREENING_JOB_INVALID",
  "INTAKE_ENVELOPE_INVALID",
  "INTAKE_KEY_UNKNOWN",
  "INTAKE_SCHEMA_INVALID",
  "INTAKE_ID_MISMATCH",
  "REQUEST_REJECTED",
  "REQUEST_CONFLICT",
  "STORAGE_UNAVAILABLE",
  "TEAM_KEY_UNAVAILABLE",
  "TEAM_KEY_UNPINNED",
  "UNEXPECTED",
] as const;
export type ScreeningFailureReason = (typeof screeningFailureReasons)[number];

/** Resolves the team public key that new requests' data keys are sealed to; undefined until one exists. */
export type TeamKeyResolver = () => Promise<KeyWithId<Uint8Array> | undefined>;

export interface ScreeningWorkerOptions {
  /** BullMQ connection (`maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  /** REDIS_PREFIX; the BullMQ prefix is derived from it as for the queues. */
  readonly prefix: string;
  /** The work role's intake secret ring (opens sealed intakes) and lookup ring (sender hashes). */
  readonly keys: { readonly intake: Keyring<BoxKeyPair>; readonly lookup: Keyring<Uint8Array> };
  readonly requests: Pick<
    RequestStore,
    "insertRequest" | "findOpenBySenderIndexed" | "linkRelated" | "markForShredding"
  >;
  readonly teamKey: TeamKeyResolver;
  readonly log: Log;
  readonly metrics?: Metrics;
  /** Staff notification without content (e.g. a Telegram message to a staff chat): urgency only. */
  readonly notify?: (event: { readonly urgency: Urgency; readonly requestId: string }) => Promise<void>;
  readonly concurrency?: number;
  /** Lock held per active job, renewed at half this interval; an expired lock marks the job stalled. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (of crashed workers) and moves them back to wait. */
  readonly stalledIntervalMs?: number;
  /** How long a job waits (without using an attempt) when no team key exists yet. */
  readonly teamKeyWaitMs?: number;
  /** Open requests of the same sender created within this many days are linked as likely duplicates. */
  readonly duplicateWindowDays?: number;
  /** Start processing at once (default); tests may pass false and call `run()` themselves. */
  readonly autorun?: boolean;
}

/** What one processed job returns (stored by BullMQ as the job's return value: ids only). */
export interface ScreeningOutcome {
  /** Null when the defender had asked to delete their data before this intake was screened. */
  readonly requestId: string | null;
  readonly created: boolean;
}

/**
 * Redis key recording when a sender asked to forget them (ms since epoch, set by the maintenance task
 * `forget-sender`). Intakes queued before that moment are dropped, not stored. The sender is a lookup hash.
 */
export function forgottenKey(prefix: string, sender: string): string {
  return `${prefix}:forgotten:${sender}`;
}

/** How long the forget mark is kept: longer than any screening job can wait or retry. */
export const FORGOTTEN_MARK_TTL_MS = 45 * 24 * 3600_000;

export interface ScreeningWorker {
  readonly worker: Worker<ScreeningJob, ScreeningOutcome>;
  /** The processor, exposed so tests can run a job twice without BullMQ's job-id dedupe. */
  process(job: Job<ScreeningJob>, token?: string): Promise<ScreeningOutcome>;
  /** Stops taking jobs and waits for active ones up to `timeoutMs`, then force-closes (stalled jobs recover). */
  close(timeoutMs?: number): Promise<void>;
}

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** A failure that ends the job now: retrying cannot help (a poison job). */
function poison(reason: ScreeningFailureReason): UnrecoverableError {
  return new UnrecoverableError(reason);
}

/** A failure worth retrying with backoff; the message is the reason code only. */
function transient(reason: ScreeningFailureReason): Error {
  const err = new Error(reason);
  err.name = "ScreeningRetry";
  return err;
}

/**
 * The screening worker: opens each sealed intake with the intake secret key, validates it, scores urgency and
 * routes, links likely duplicates by the sender's lookup hash, re-encrypts the content for staff under a fresh
 * data key sealed to the team key, stores exactly one protection request per intake, and tells staff that a
 * request arrived (urgency only). Poison jobs (bad envelope, invalid intake) fail at once with a
 * content-free reason code; storage faults are retried with exponential backoff (job options in queues.ts);
 * with no team key yet, jobs wait in the delayed set without using attempts.
 */
export function createScreeningWorker(options: ScreeningWorkerOptions): ScreeningWorker {
  const { keys, requests, log, metrics } = options;
  const teamKeyWaitMs = options.teamKeyWaitMs ?? 60_000;
  const windowDays = options.duplicateWindowDays ?? 90;
  const queue = queueNames.screening;

  function openAndValidate(data: ScreeningJob): IntakeRecord {
    let plaintext: string;
    try {
      plaintext = openIntake(keys.intake, data.intakeId, data.sealed);
    } catch (err) {
      // A key id this worker has not loaded may be a rotation not yet rolled out here: another worker
      // (or this one after a restart) can open it, so retry. Anything else cannot get better.
      if (isAppError(err, "CRYPTO_KEY_ID")) {
        log.error("screening.intake_key_unknown", { code: err.code });
        throw transient("INTAKE_KEY_UNKNOWN");
      }
      metrics?.screeningEnvelopeFailures.inc({ reason: "INTAKE_ENVELOPE_INVALID" });
      throw poison("INTAKE_ENVELOPE_INVALID");
    }
    let value: unknown;
    try {
      value = JSON.parse(plaintext);
    } catch {
      metrics?.screeningEnvelopeFailures.inc({ reason: "INTAKE_SCHEMA_INVALID" });
      throw poison("INTAKE_SCHEMA_INVALID");
    }
    const intake = parseIntake(value);
    if (!intake) {
      // Paths name steps (e.g. "answers.threat_types"), never values.
      const problems = intakeProblems(value);
      log.warn("screening.intake_invalid", { problems: problems.length, step: problems[0] });
      metrics?.screeningEnvelopeFailures.inc({ reason: "INTAKE_SCHEMA_INVALID" });
      throw poison("INTAKE_SCHEMA_INVALID");
    }
    if (intake.intakeId !== data.intakeId) {
      metrics?.screeningEnvelopeFailures.inc({ reason: "INTAKE_ID_MISMATCH" });
      throw poison("INTAKE_ID_MISMATCH");
    }
    return intake;
  }

  /** True when the sender asked to be forgotten at or after the moment this job was queued. */
  async function forgotten(sender: string, queuedAt: number): Promise<boolean> {
    const mark = await options.connection.get(forgottenKey(options.prefix, sender));
    return mark !== null && queuedAt <= Number(mark);
  }

  /** Every lookup hash this sender may be stored under: the intake's own, plus one per loaded lookup key. */
  function senderHashes(intake: IntakeRecord): { hashes: string[]; keyId: string } {
    const hashes = [intake.sender];
    let keyId = keys.lookup.current;
    try {
      const kind = intake.channel === "sms" ? "phone" : "telegram";
      const all = lookupHashes(keys.lookup, kind, intake.replyAddress);
      const own = all.find((h) => h.hash === intake.sender);
      if (own) keyId = own.keyId;
      for (const h of all) if (!hashes.includes(h.hash)) hashes.push(h.hash);
    } catch {
      // A reply address that is not a plain id or E.164 number (e.g. a group chat): the intake's hash only.
    }
    return { hashes, keyId };
  }

  /** Puts the job back in the delayed set without using an attempt (or retries it when run without a token). */
  async function waitForTeamKey(
    job: Job<ScreeningJob>,
    token: string | undefined,
    reason: ScreeningFailureReason,
  ): Promise<never> {
    if (token === undefined) throw transient(reason);
    await job.moveToDelayed(Date.now() + teamKeyWaitMs, token);
    throw new DelayedError();
  }

  async function screenJob(job: Job<ScreeningJob>, token?: string): Promise<ScreeningOutcome> {
    const data = job.data;
    if (
      data?.v !== 1 ||
      typeof data.intakeId !== "string" ||
      !idPattern.test(data.intakeId) ||
      typeof data.sealed !== "string"
    ) {
      throw poison("SCREENING_JOB_INVALID");
    }
    const intake = openAndValidate(data);
    if (await forgotten(intake.sender, job.timestamp)) {
      // The defender used delete after submitting, before we got here: keep nothing.
      log.info("screening.dropped_forgotten", {});
      return { requestId: null, created: false };
    }
    const result = screen(intake);

    let team: KeyWithId<Uint8Array> | undefined;
    try {
      team = await options.teamKey();
    } catch (err) {
      if (!(err instanceof TeamKeyUnpinnedError)) throw transient("TEAM_KEY_UNAVAILABLE");
      // Row 27: the database advertises a team key this host has not pinned. Seal nothing; keep the job.
      log.error("screening.team_key_unpinned", {
        code: err.code,
        keyId: err.keyId,
        reason: "team key in the database is not pinned here: check it, then intake keys pin-team; jobs wait",
      });
      return waitForTeamKey(job, token, "TEAM_KEY_UNPINNED");
    }
    if (!team) {
      // No admin exists yet, so nobody could read the request: wait, keeping the sealed intake queued.
      log.warn("screening.team_key_missing", {
        reason: "no team public key yet: run intake staff add --admin; jobs wait",
      });
      return waitForTeamKey(job, token, "TEAM_KEY_UNAVAILABLE");
    }

    const { hashes, keyId } = senderHashes(intake);
    const sinceDay = addDays(intake.completedDay, -windowDays);
    const earlier = (await requests.findOpenBySenderIndexed(hashes, sinceDay)).filter(
      (r) => r.intakeId !== intake.intakeId,
    );

    const requestId = randomBytes(16).toString("base64url");
    const content: RequestContent = {
      v: 1,
      intakeId: intake.intakeId,
      reference: intake.reference,
      channel: intake.channel,
      replyAddress: intake.replyAddress,
      lang: intake.lang,
      flowVersion: intake.flowVersion,
      consentVersion: intake.consentVersion,
      startedDay: intake.startedDay,
      completedDay: intake.completedDay,
      answers: intake.answers,
    };
    // Stored at the one fixed intake size, so the database does not show how much a defender wrote.
    const record = encryptRecord(team, requestId, {
      [REQUEST_CONTENT_FIELD]: padIntakeJson(JSON.stringify(content)),
    });
    // The sealed data key is stored only wrapped under a fresh erasure key kept in the key store (row 26).
    const erasureKey = newErasureKey();
    const wrappedKey = wrapSealedKey(erasureKey, requestId, record.sealedKey);
    const stored = await requests
      .insertRequest({
        requestId,
        intakeId: intake.intakeId,
        reference: intake.reference,
        urgency: result.urgency,
        reasons: result.reasons,
        routes: result.routes,
        channel: intake.channel,
        lang: intake.lang,
        senderHash: intake.sender,
        lookupKeyId: keyId,
        teamKeyId: team.keyId,
        duplicateOf: earlier[0]?.requestId ?? null,
        relatedRequestIds: earlier.map((r) => r.requestId),
        content: asCiphertext(record.fields[REQUEST_CONTENT_FIELD]),
        wrappedKey: asCiphertext(wrappedKey),
        erasureKey,
      })
      .finally(() => wipe(erasureKey));
    if (stored.created) {
      metrics?.requestsCreated.inc({ urgency: result.urgency });
      log.info("request.created", { urgency: result.urgency, duplicates: earlier.length });
      if (options.notify) {
        try {
          await options.notify({ urgency: result.urgency, requestId: stored.requestId });
        } catch (err) {
          // The request is stored; a failed notice must not make the job retry.
          log.warn("request.notify_failed", { err: err as Error });
        }
      }
    } else {
      log.info("screening.replayed", { urgency: result.urgency });
    }
    // A delete that arrived while this job ran found nothing to shred: shred what was just stored.
    if (await forgotten(intake.sender, job.timestamp)) {
      await requests.markForShredding(stored.requestId);
      log.info("screening.dropped_forgotten", {});
      return { requestId: null, created: false };
    }
    // Back-links, so staff opening an earlier request see the new one too. After the notice on purpose: if
    // this fails, the retry finds the request stored (created: false) and only links again (a set add).
    for (const r of earlier) await requests.linkRelated(r.requestId, [stored.requestId]);
    return { requestId: stored.requestId, created: stored.created };
  }

  /** Maps whatever went wrong to a content-free error BullMQ may store and retry. */
  function classify(err: unknown): Error {
    if (err instanceof UnrecoverableError || err instanceof DelayedError) return err;
    if (err instanceof Error && err.name === "ScreeningRetry") return err;
    if (isAppError(err, "BAD_REQUEST")) return poison("REQUEST_REJECTED");
    if (isAppError(err, "CONFLICT")) return poison("REQUEST_CONFLICT");
    if (isAppError(err, "INTERNAL")) return poison("UNEXPECTED");
    // Network errors, server selection timeouts, buffering timeouts: MongoDB is down or failing over.
    return transient(isStorageFault(err) ? "STORAGE_UNAVAILABLE" : "UNEXPECTED");
  }

  async function process(job: Job<ScreeningJob>, token?: string): Promise<ScreeningOutcome> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const outcome = await screenJob(job, token);
      metrics?.jobDuration.observe({ queue, outcome: "completed" }, seconds());
      return outcome;
    } catch (err) {
      const out = classify(err);
      if (out instanceof DelayedError) {
        metrics?.jobDuration.observe({ queue, outcome: "delayed" }, seconds());
        throw out;
      }
      const attempts = job.opts.attempts ?? 1;
      const final = out instanceof UnrecoverableError || job.attemptsMade + 1 >= attempts;
      metrics?.jobDuration.observe({ queue, outcome: "failed" }, seconds());
      metrics?.jobFailures.inc({ queue, reason: out.message, final: String(final) });
      const fields = { reason: out.message, attempt: job.attemptsMade + 1, final };
      if (final) log.error("screening.job_failed", fields);
      else log.warn("screening.job_retry", fields);
      throw out;
    }
  }

  const worker = new Worker<ScreeningJob, ScreeningOutcome>(queue, process, {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: options.concurrency ?? 4,
    autorun: options.autorun ?? true,
    // A job takes milliseconds; the lock is renewed at half its duration while the process lives. Short
    // values bound how long a crashed worker's intake waits: at most lock + interval (25 s, was 60 s).
    lockDuration: options.lockDurationMs ?? 15_000,
    stalledInterval: options.stalledIntervalMs ?? 10_000,
    // A job whose worker died twice is more likely to kill the next one than to succeed: fail it visibly.
    maxStalledCount: 2,
  });
  worker.on("error", (err) => log.error("screening.worker_error", { err }));
  // The job is removed as it finishes; an intake id names no one, so the line keeps it.
  recordFinishedJobs(worker, createFinishedJobs({ redis: options.connection, prefix: options.prefix }), {
    queue,
    keepId: true,
    result: (v) => ({ requestId: v.requestId, created: v.created }),
    onError: (err) => log.warn("screening.finished_line_failed", { err: err as Error }),
  });
  worker.on("failed", (job, err) => {
    // Stalled-too-often failures never reach the processor's catch.
    if (err.message.includes("stalled")) {
      metrics?.jobFailures.inc({ queue, reason: "STALLED", final: "true" });
      log.error("screening.job_failed", { reason: "STALLED", attempt: job?.attemptsMade ?? 0 });
    }
  });

  return {
    worker,
    process,
    close: (timeoutMs = 10_000) => closeWorker(worker, timeoutMs, log),
  };
}

/**
 * Closes a worker gracefully: no new jobs, active ones finish. `worker.close()` has no timeout of its own, so
 * after `timeoutMs` it is forced; the jobs still active then keep their lock until it expires and are picked
 * up again as stalled, which idempotent processing makes safe.
 */
export async function closeWorker(worker: Worker, timeoutMs: number, log: Log): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = worker.close().then(() => "closed" as const);
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    if ((await Promise.race([graceful, timeout])) === "timeout") {
      log.warn("worker.close_timeout", { queue: worker.name, timeoutMs });
      await worker.close(true);
    }
  } finally {
    clearTimeout(timer);
  }
}

function isStorageFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const name = err.name;
  return (
    name.startsWith("Mongo") ||
    name === "MongooseServerSelectionError" ||
    name === "DocumentNotFoundError" ||
    // mongoose's "buffering timed out" when the connection is down
    (name === "MongooseError" && /buffering timed out|connection/i.test(err.message))
  );
}

/**
 * The database advertises a team key that is not pinned on this host (security row 27): nothing is sealed
 * to it. Either someone with write access to MongoDB inserted their own key, or staff rotated the team key
 * and this host has not pinned the new one yet (`intake keys pin-team`). Jobs wait; nothing is lost.
 */
export class TeamKeyUnpinnedError extends Error {
  readonly code = "TEAM_KEY_UNPINNED";
  constructor(readonly keyId: string) {
    super("TEAM_KEY_UNPINNED");
    this.name = "TeamKeyUnpinnedError";
  }
}

export interface TeamKeyResolverOptions {
  /**
   * The team public keys pinned on this host, read afresh on each lookup so that `intake keys pin-team`
   * takes effect without a restart: `() => readTeamPins(keysDir)`.
   */
  readonly pins: () => TeamPins | undefined;
  /** The database's team keys (the console stores the key the first admin made): checked, never trusted. */
  readonly store?: { currentTeamKey(): Promise<TeamKeyRecord | undefined> };
  /**
   * How long a resolved key is reused before the pins and the database are read again. Default 0: every job
   * reads both, so a team key rotation (row 37) holds the very next job. A cached key would keep sealing new
   * requests to the retired key, which a departed member may hold, for that long after the rotation.
   */
  readonly ttlMs?: number;
  /** How long "no key yet" or a refusal is remembered. */
  readonly missingTtlMs?: number;
  readonly log: Log;
  readonly now?: () => number;
}

/**
 * Resolves the team public key new requests are sealed to: always the key currently pinned on this host
 * (`manifest.json`, written by `intake staff add --admin` and `intake keys pin-team`), never one that only
 * the database holds. The database's newest team key is compared with the pins: if it is not pinned (with
 * the same bytes), the resolver throws TeamKeyUnpinnedError and the worker keeps the job waiting, because a
 * key the database advertises and this host does not know is either an attack or a rotation away from the
 * pinned key (which may be retired or compromised) that an operator has not confirmed yet. With no pin and
 * no database key (before the first admin) it returns undefined. If the database cannot be read, the pinned
 * key is used; with no pin, the error propagates and the job retries.
 */
export function createTeamKeyResolver(options: TeamKeyResolverOptions): TeamKeyResolver {
  const ttlMs = options.ttlMs ?? 0;
  const missingTtlMs = options.missingTtlMs ?? 5_000;
  const now = options.now ?? Date.now;
  let cached:
    | { key: KeyWithId<Uint8Array> | undefined; refused?: TeamKeyUnpinnedError; until: number }
    | undefined;

  return async () => {
    if (cached && cached.until > now()) {
      if (cached.refused) throw cached.refused;
      return cached.key;
    }
    const pins = options.pins();
    const pinned = currentPin(pins);
    if (options.store) {
      let record: TeamKeyRecord | undefined;
      try {
        record = await options.store.currentTeamKey();
      } catch (err) {
        if (!pinned) throw err;
        options.log.warn("screening.team_key_lookup_failed", { err: err as Error });
        return pinned;
      }
      if (record && !isPinned(pins, record.keyId, decodeTeamKey(record))) {
        const refused = new TeamKeyUnpinnedError(record.keyId);
        cached = { key: undefined, refused, until: now() + missingTtlMs };
        throw refused;
      }
    }
    cached = { key: pinned, until: now() + (pinned ? ttlMs : missingTtlMs) };
    return pinned;
  };
}

/** The record's public key bytes; an empty array (never pinned) when it is malformed. */
function decodeTeamKey(record: TeamKeyRecord): Uint8Array {
  try {
    return fromBase64url(record.publicKey);
  } catch {
    return new Uint8Array(0);
  }
}
