import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueName } from "./payloads.js";

/**
 * What is left of a job once it finished: BullMQ removes the job itself (its payload, return value and
 * stack trace) the moment it completes or finally fails, so a seized Redis holds no sealed intake or reply
 * of a finished job (security row 24). Only this content-free line remains, in a capped list per queue
 * with a TTL: the outcome, a reason code, the attempt count, the hour it finished and, where the worker
 * says so, its job id and a few scalar results (screening: the request id). Outbound job ids name the
 * recipient's hash and are never kept.
 */
export interface FinishedJob {
  readonly queue: QueueName;
  readonly state: "completed" | "failed";
  /** Job id, only for queues whose ids name no person (screening: `i-<intakeId>`; maintenance). */
  readonly id?: string;
  readonly attempts: number;
  /** Failed only: a reason code (`[A-Z][A-Z0-9_]*`), anything else is recorded as UNEXPECTED. */
  readonly reason?: string;
  /** Completed only: scalar results the worker chose to keep (ids and counts, never content). */
  readonly result?: Readonly<Record<string, string | number | boolean | null>>;
  /** When it finished, floored to the hour (ms since the epoch). */
  readonly hour: number;
}

/** How many finished lines each queue keeps, and for how long after the last one. */
export const FINISHED_JOBS_CAP = 1000;
export const FINISHED_JOBS_TTL_SEC = 24 * 3600;

const HOUR_MS = 3_600_000;
const reasonCode = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The list of one queue's finished lines. */
export function finishedJobsKey(prefix: string, queue: QueueName): string {
  return `${prefix}:jobs:finished:${queue}`;
}

/** Maps a failure message to a content-free code: a code stays, BullMQ's stalled message is STALLED. */
export function reasonCodeOf(message: string | undefined): string {
  if (message && reasonCode.test(message)) return message;
  if (message && /stalled/i.test(message)) return "STALLED";
  return "UNEXPECTED";
}

export interface FinishedJobsOptions {
  readonly redis: Redis;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  readonly clock?: () => number;
}

/** Writes and reads the finished lines. */
export interface FinishedJobs {
  record(entry: Omit<FinishedJob, "hour">): Promise<void>;
  /** Newest first. */
  list(queue: QueueName): Promise<FinishedJob[]>;
  /** The newest line of one job id (for queues that keep ids). */
  find(queue: QueueName, id: string): Promise<FinishedJob | undefined>;
}

export function createFinishedJobs(options: FinishedJobsOptions): FinishedJobs {
  const clock = options.clock ?? Date.now;
  const list = async (queue: QueueName) =>
    (await options.redis.lrange(finishedJobsKey(options.prefix, queue), 0, -1)).map(
      (line) => JSON.parse(line) as FinishedJob,
    );
  return {
    async record(entry) {
      const line: FinishedJob = {
        queue: entry.queue,
        state: entry.state,
        ...(entry.id !== undefined ? { id: entry.id } : {}),
        attempts: entry.attempts,
        ...(entry.state === "failed" ? { reason: reasonCodeOf(entry.reason) } : {}),
        ...(entry.state === "completed" && entry.result ? { result: entry.result } : {}),
        hour: Math.floor(clock() / HOUR_MS) * HOUR_MS,
      };
      const key = finishedJobsKey(options.prefix, entry.queue);
      await options.redis
        .multi()
        .lpush(key, JSON.stringify(line))
        .ltrim(key, 0, FINISHED_JOBS_CAP - 1)
        .expire(key, FINISHED_JOBS_TTL_SEC)
        .exec();
    },
    list,
    async find(queue, id) {
      return (await list(queue)).find((j) => j.id === id);
    },
  };
}

export interface RecordFinishedOptions<R> {
  readonly queue: QueueName;
  /** Keep the job id in the line: only ids that name no person (true, false, or per id). */
  readonly keepId: boolean | ((id: string) => boolean);
  /** The scalar results worth keeping from a completed job's return value. */
  readonly result?: (value: R) => FinishedJob["result"];
  /** Told when a line could not be written (the job is gone either way). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Records a line for each job `worker` completes or finally fails (a retried attempt is not final).
 * BullMQ has already removed the job by then (removeOnComplete/removeOnFail: true); a crash in between
 * loses only the line, never a job.
 */
export function recordFinishedJobs<D, R>(
  worker: Worker<D, R>,
  finished: FinishedJobs,
  options: RecordFinishedOptions<R>,
): void {
  const keep = (id: string) => (typeof options.keepId === "function" ? options.keepId(id) : options.keepId);
  const id = (job: Job<D, R>) => (job.id !== undefined && keep(job.id) ? { id: job.id } : {});
  const write = (entry: Omit<FinishedJob, "hour">) =>
    finished.record(entry).catch((err: unknown) => options.onError?.(err));
  worker.on("completed", (job, value) => {
    const result = options.result?.(value);
    void write({
      queue: options.queue,
      state: "completed",
      ...id(job),
      attempts: job.attemptsMade,
      ...(result ? { result } : {}),
    });
  });
  worker.on("failed", (job, err) => {
    // `finishedOn` is set only when the job will not be retried.
    if (!job?.finishedOn) return;
    void write({
      queue: options.queue,
      state: "failed",
      ...id(job),
      attempts: job.attemptsMade,
      reason: err.message,
    });
  });
}
