import { randomBytes } from "node:crypto";
import type { Job } from "bullmq";
import type { ScreeningJob } from "../../../queues/payloads.js";
import type { TypedQueue } from "../../../queues/queues.js";
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
  await queue.add("screen", job, { jobId, ...opts });
  return jobId;
}

/** Waits until a job reaches a final state (completed or failed); fails the test after `timeoutMs`. */
export async function settled(
  queue: TypedQueue<"screening">,
  jobId: string,
  timeoutMs = 20_000,
): Promise<{ state: string; job: Job<ScreeningJob> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(jobId);
    if (state === "completed" || state === "failed") {
      // Read the job after it settled, so its return value and attempts are final.
      const job = await queue.getJob(jobId);
      if (job) return { state, job };
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not settle (state ${state})`);
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
