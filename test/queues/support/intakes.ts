import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { createFinishedJobs, type FinishedJob } from "../../../queues/finished-jobs.js";
import type { TaskCounts } from "../../../queues/maintenance.js";
import type { ScreeningJob } from "../../../queues/payloads.js";
import { addOnce, type TypedQueue } from "../../../queues/queues.js";
import type { ScreeningOutcome } from "../../../queues/screening-worker.js";
import { lookupHash, sealIntake } from "../../../src/crypto/index.js";
import { newIntakeId, referenceFor } from "../../../src/intake/index.js";
import type { IntakeRecord } from "../../../src/intake/intake-record.js";
import type { ServeKeys } from "../../../src/keys/index.js";

/** A Telegram id made of random digits (a canary when searched for). */
export function randomTelegramId(): string {
  return `7${randomBytes(5).readUIntBE(0, 5).toString().padStart(12, "0")}`.slice(0, 13);
}

/** A random, valid-looking E.164 number (Germany, mobile range). */
export function randomPhone(): string {
  return `+49157${randomBytes(4).readUInt32BE(0).toString().padStart(10, "0").slice(0, 8)}`;
}

/** A completed intake as the engine makes it, for a Telegram chat or an SMS number. */
export function makeIntake(
  keys: ServeKeys,
  options: {
    channel?: "telegram" | "sms";
    address?: string;
    answers?: IntakeRecord["answers"];
    day?: string;
  } = {},
): IntakeRecord {
  const channel = options.channel ?? "telegram";
  const address = options.address ?? (channel === "sms" ? randomPhone() : randomTelegramId());
  const intakeId = newIntakeId();
  const day = options.day ?? new Date().toISOString().slice(0, 10);
  return {
    v: 1,
    intakeId,
    reference: referenceFor(intakeId),
    flowVersion: "default@1",
    consentVersion: "consent@1",
    lang: "en",
    channel,
    sender: lookupHash(keys.lookup, channel === "sms" ? "phone" : "telegram", address),
    replyAddress: address,
    startedDay: day,
    completedDay: day,
    answers: options.answers ?? normalAnswers(),
  };
}

/** The short path: the defender is in danger now. */
export function dangerAnswers(name = "Amina"): IntakeRecord["answers"] {
  return {
    language: "en",
    consent: true,
    danger_now: true,
    name,
    location_country: "CD",
    contact_safe: true,
    contact_details: "Signal after 18:00",
  };
}

/** The full path: a journalist facing digital attacks and surveillance, at home, not in danger now. */
export function normalAnswers(detail = "Reports on land seizures"): IntakeRecord["answers"] {
  return {
    language: "en",
    consent: true,
    danger_now: false,
    name: "Joseph",
    location_country: "KE",
    location_detail: "",
    nationality: "KE",
    work_categories: ["journalism"],
    work_description: detail,
    threat_types: ["digital_attack", "surveillance"],
    threat_description: "My accounts were hacked",
    threat_since: { approxDaysAgo: 40 },
    detention_status: "none",
    displacement: "at_home",
    family_at_risk: false,
    support_needed: ["digital_security"],
    contact_safe: true,
    contact_methods: ["this_channel"],
    contact_details: "evenings",
  };
}

/** Seals an intake the way the ingress does (serve role's intake PUBLIC key, bound to the intake id). */
export function sealedJob(keys: ServeKeys, intake: IntakeRecord): ScreeningJob {
  return {
    v: 1,
    intakeId: intake.intakeId,
    sealed: sealIntake(keys.intake, intake.intakeId, JSON.stringify(intake)),
  };
}

/** Adds a screening job as the ingress does (job id `i-<intakeId>`). */
export async function enqueue(
  queue: TypedQueue<"screening">,
  job: ScreeningJob,
  opts: { attempts?: number; backoff?: { type: "exponential"; delay: number } } = {},
): Promise<string> {
  const jobId = `i-${job.intakeId}`;
  // As the ingress adds it: once, recognised for the replay window even after it finished.
  await queue.add("screen", job, { ...addOnce(jobId), ...opts });
  return jobId;
}

/** What a test can still learn of a finished job: the content-free line its worker recorded. */
export interface SettledJob<R> {
  readonly returnvalue: R;
  readonly attemptsMade: number;
  readonly failedReason: string | undefined;
}

/** The finished lines (newest first) recorded for one job id of a queue made by `createQueues`. */
export async function finishedLines<N extends "screening" | "maintenance">(
  queue: TypedQueue<N>,
  jobId: string,
): Promise<FinishedJob[]> {
  // Queues here are made by createQueues on one ioredis connection, with prefix `<REDIS_PREFIX>:bull`.
  const redis = queue.opts.connection as Redis;
  const prefix = String(queue.opts.prefix).replace(/:bull$/, "");
  const lines = await createFinishedJobs({ redis, prefix }).list(queue.name as N);
  return lines.filter((j) => j.id === jobId);
}

/**
 * Waits until a job reached a final state (completed or failed) and returns what its finished line
 * (queues/finished-jobs.ts) says: jobs are removed as they finish, so the line is all that is left.
 * Fails the test after `timeoutMs`.
 */
export async function settled<N extends "screening" | "maintenance">(
  queue: TypedQueue<N>,
  jobId: string,
  timeoutMs = 20_000,
  /** Lines of this job id already seen (a job added again after it finished): wait for a newer one. */
  seen = 0,
): Promise<{ state: string; job: SettledJob<N extends "screening" ? ScreeningOutcome : TaskCounts> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await finishedLines(queue, jobId);
    const line = lines.length > seen ? lines[0] : undefined;
    if (line) {
      return {
        state: line.state,
        job: {
          returnvalue: (line.result ?? {}) as N extends "screening" ? ScreeningOutcome : TaskCounts,
          attemptsMade: line.attempts,
          failedReason: line.reason,
        },
      };
    }
    if (Date.now() > deadline) {
      throw new Error(`job ${jobId} did not settle (state ${await queue.getJobState(jobId)})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `check` holds, polling; fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
