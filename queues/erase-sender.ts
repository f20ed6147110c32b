import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { type BoxKeyPair, type Keyring, openIntake } from "../src/crypto/index.js";
import { finishedJobsKey } from "./finished-jobs.js";
import type { OutboundJob, ScreeningJob } from "./payloads.js";
import type { Queues } from "./queues.js";
import { compareSeq } from "./sequence.js";

/** Every state a job can be found in that `remove` may take it from (an active job is locked by its worker). */
const removableStates = [
  "waiting",
  "delayed",
  "prioritized",
  "waiting-children",
  "completed",
  "failed",
] as const;
/** States of a job that has not been sent yet. */
const pendingStates = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);

export interface EraseSenderJobsDeps {
  readonly queues: Pick<Queues, "screening" | "outbound-telegram" | "outbound-sms" | "maintenance">;
  /** A command connection to the queues' Redis (for their event streams). */
  readonly redis: Redis;
  /** The work role's intake secret ring: a screening job names its sender only inside the sealed intake. */
  readonly intake?: Keyring<BoxKeyPair>;
  /** REDIS_PREFIX: where the finished-job lines are (they keep screening job ids, which name intake ids). */
  readonly prefix?: string;
}

/**
 * A defender's delete, in the queues (security row 25): removes every screening job whose sealed intake is
 * this sender's and every outbound job to this sender, whatever its state, except outbound jobs not yet sent
 * from sequence `keepFromSeq` on (the reply that confirms the delete, queued in the same turn). An active job
 * cannot be removed: the screening worker drops it by the forget mark, and an outbound job in flight is sent.
 * Returns counts only.
 */
export async function eraseSenderJobs(
  deps: EraseSenderJobsDeps,
  sender: string,
  keepFromSeq?: string,
  intakeIds: readonly string[] = [],
): Promise<{ screening: number; outbound: number; events: number }> {
  let screening = 0;
  const named = new Set([sender, ...intakeIds]);
  if (deps.intake) {
    const intake = deps.intake;
    const jobs = (await deps.queues.screening.getJobs([...removableStates])) as Job<ScreeningJob>[];
    for (const job of jobs) {
      if (!job?.data || senderOf(intake, job.data) !== sender) continue;
      named.add(job.data.intakeId);
      if (await removed(job)) screening++;
    }
  }
  let outbound = 0;
  for (const queue of [deps.queues["outbound-telegram"], deps.queues["outbound-sms"]]) {
    for (const state of removableStates) {
      const jobs = (await queue.getJobs([state])) as Job<OutboundJob>[];
      for (const job of jobs) {
        if (job?.data?.recipient !== sender) continue;
        if (pendingStates.has(state) && keepFromSeq && compareSeq(job.data.seq, keepFromSeq) >= 0) continue;
        if (await removed(job)) outbound++;
      }
    }
  }
  // BullMQ's event streams name jobs by id (`i-<intakeId>`, `o-<sender>-<seq>`): drop those entries too.
  let events = 0;
  const { screening: s, "outbound-telegram": t, "outbound-sms": m, maintenance } = deps.queues;
  for (const queue of [s, t, m, maintenance]) {
    const client = deps.redis;
    const key = queue.keys.events;
    if (!key) continue;
    const entries = (await client.xrange(key, "-", "+")) as [string, string[]][];
    const doomed = entries
      .filter(([, fields]) => fields.some((f) => [...named].some((n) => f.includes(n))))
      .map(([id]) => id);
    for (let i = 0; i < doomed.length; i += 500)
      events += await client.xdel(key, ...doomed.slice(i, i + 500));
  }
  // What names an erased intake once its job is gone: the screening job's replay mark and finished line.
  const intakeJobIds = [...named].filter((n) => n !== sender).map((id) => `i-${id}`);
  for (const jobId of intakeJobIds) await deps.redis.del(`${s.keys.de}:${jobId}`);
  if (deps.prefix && intakeJobIds.length > 0) {
    const key = finishedJobsKey(deps.prefix, "screening");
    for (const line of await deps.redis.lrange(key, 0, -1)) {
      const id = (JSON.parse(line) as { id?: string }).id;
      if (id && intakeJobIds.includes(id)) await deps.redis.lrem(key, 0, line);
    }
  }
  return { screening, outbound, events };
}

function senderOf(intake: Keyring<BoxKeyPair>, data: ScreeningJob): string | undefined {
  try {
    const value: unknown = JSON.parse(openIntake(intake, data.intakeId, data.sealed));
    const sender = (value as { sender?: unknown }).sender;
    return typeof sender === "string" ? sender : undefined;
  } catch {
    return undefined; // not ours to open (another key id, a poison job): left to its own retention
  }
}

async function removed(job: Job): Promise<boolean> {
  try {
    await job.remove();
    return true;
  } catch {
    return false; // it became active meanwhile: locked by its worker
  }
}
