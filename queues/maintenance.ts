import { randomUUID } from "node:crypto";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Log } from "../src/log/index.js";
import type { Metrics } from "../src/metrics/index.js";
import type { AuditLog } from "../src/storage/audit.js";
import type { RequestStore, ShredResult } from "../src/storage/requests.js";
import { type EraseSenderJobsDeps, eraseSenderJobs } from "./erase-sender.js";
import { createFinishedJobs, recordFinishedJobs } from "./finished-jobs.js";
import { type MaintenanceJob, queueNames } from "./payloads.js";
import { bullPrefix, defaultJobOptions, type TypedQueue } from "./queues.js";
import { closeWorker, FORGOTTEN_MARK_TTL_MS, forgottenKey } from "./screening-worker.js";

export type MaintenanceTask = MaintenanceJob["task"];

/** Counts a task reports: numbers only, logged and returned as the job's value. */
export type TaskCounts = Readonly<Record<string, number>>;

/** Tasks other parts of the service own (the ingress keeps conversations and dedupe marks in Redis). */
export type ExternalTask = "expire-conversations" | "prune-dedupe";

/** The content-free audit log (storage), for recording deletions. */
export type MaintenanceAudit = Pick<AuditLog, "append">;

export type MaintenanceRequests = Pick<
  RequestStore,
  "shredExpired" | "findAllBySender" | "markForShredding" | "getRequest"
>;

export interface MaintenanceDeps {
  readonly requests: MaintenanceRequests;
  /** Where forget-sender records when a sender asked (so intakes still queued are dropped). */
  readonly forgetMarks?: { readonly redis: Redis; readonly prefix: string };
  readonly log: Log;
  readonly metrics?: Metrics;
  readonly audit?: MaintenanceAudit;
  readonly clock?: () => Date;
  /** The queues and intake key a defender's delete sweeps for their jobs (queues/erase-sender.ts). */
  readonly eraseJobs?: EraseSenderJobsDeps;
  /** Deletes the sender's conversation keys kept by the ingress and channels (bots/ingress/forget-conversation.ts). */
  readonly forgetConversation?: (sender: string) => Promise<TaskCounts>;
}

export interface MaintenanceWorkerOptions extends MaintenanceDeps {
  /** BullMQ connection (`maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  /** Handlers for tasks owned elsewhere; a task without one completes with a warning. */
  readonly handlers?: Partial<Record<ExternalTask, () => Promise<TaskCounts>>>;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly autorun?: boolean;
}

export interface MaintenanceWorker {
  readonly worker: Worker<MaintenanceJob, TaskCounts>;
  /** Runs one job's task (tests, and the CLI through `purgeRequests`). */
  process(job: Pick<Job<MaintenanceJob>, "data" | "timestamp">): Promise<TaskCounts>;
  close(timeoutMs?: number): Promise<void>;
}

/** Where the scheduled tasks run: hourly purge by default (retention is at day resolution). */
export interface MaintenanceSchedule {
  /** Milliseconds between purges; default one hour. */
  readonly purgeEveryMs?: number;
  /** Also schedule tasks owned elsewhere, every `everyMs`, when their handlers are wired. */
  readonly external?: Partial<Record<ExternalTask, number>>;
}

const senderPattern = /^[A-Za-z0-9_-]{16,128}$/;
/** Bound on forget-sender rounds: each round reads at most 50 open requests. */
const maxForgetRounds = 20;

/**
 * Crypto-shreds and deletes every request past its retention date (`storage.shredExpired`: the sealed data
 * key and content go first, then the document). Logs and returns counts only.
 */
export async function purgeRequests(deps: MaintenanceDeps): Promise<ShredResult> {
  const now = (deps.clock ?? (() => new Date()))();
  const result = await deps.requests.shredExpired(now);
  const { shredded, deleted, referralsDeleted } = result;
  deps.log.info("maintenance.purged", { shredded, deleted, referralsDeleted });
  const task = "purge-requests";
  deps.metrics?.maintenanceItems.inc({ task, kind: "shredded" }, shredded);
  deps.metrics?.maintenanceItems.inc({ task, kind: "deleted" }, deleted);
  deps.metrics?.maintenanceItems.inc({ task, kind: "referrals_deleted" }, referralsDeleted);
  if (deleted > 0 && deps.audit) {
    await deps.audit.append({ actor: "system", action: "purge", details: { deleted, shredded } });
  }
  return result;
}

/**
 * A defender's delete after submitting: every request from this lookup hash, whatever its status (open ones
 * by sender hash, closed ones by their erasure key's tag), loses its erasure key, data key and content now
 * and is removed by the purge that follows at once. `askedAt` (ms) is when the delete was
 * queued: it is recorded first, so the screening worker drops this sender's intakes queued before then
 * that it has not stored yet.
 */
export async function forgetSender(
  deps: MaintenanceDeps,
  sender: string,
  askedAt: number = Date.now(),
  fromSeq?: string,
): Promise<TaskCounts> {
  if (deps.forgetMarks) {
    const { redis, prefix } = deps.forgetMarks;
    const key = forgottenKey(prefix, sender);
    const previous = Number((await redis.get(key)) ?? 0);
    // Exact (ms), the one documented exception to minute times in Redis (row 31): rounding up would drop a
    // new intake submitted in the same minute after the delete; rounding down would keep an erased one.
    await redis.set(key, String(Math.max(previous, askedAt)), "PX", FORGOTTEN_MARK_TTL_MS);
  }
  let marked = 0;
  const intakeIds: string[] = [];
  // Marking drops the sender hash and the erasure key (and so its tag): a marked request is not found again.
  for (let round = 0; round < maxForgetRounds; round++) {
    const pending = await deps.requests.findAllBySender([sender]);
    if (pending.length === 0) break;
    for (const requestId of pending) {
      const request = await deps.requests.getRequest(requestId);
      if (request) intakeIds.push(request.intakeId);
      if (await deps.requests.markForShredding(requestId)) {
        marked++;
        await deps.audit?.append({
          actor: "system",
          action: "delete",
          requestId,
          details: { by: "defender" },
        });
      }
    }
  }
  deps.metrics?.maintenanceItems.inc({ task: "forget-sender", kind: "marked" }, marked);
  const purged = marked > 0 ? await purgeRequests(deps) : undefined;
  // Then every job that names them, and what the ingress keeps of the conversation (row 25).
  const jobs = deps.eraseJobs
    ? await eraseSenderJobs(deps.eraseJobs, sender, fromSeq, intakeIds)
    : { screening: 0, outbound: 0, events: 0 };
  const conversation = deps.forgetConversation ? await deps.forgetConversation(sender) : {};
  deps.log.info("maintenance.sender_forgotten", {
    marked,
    screeningJobs: jobs.screening,
    outboundJobs: jobs.outbound,
    eventEntries: jobs.events,
  });
  return {
    marked,
    deleted: purged?.deleted ?? 0,
    screeningJobs: jobs.screening,
    outboundJobs: jobs.outbound,
    eventEntries: jobs.events,
    ...conversation,
  };
}

/**
 * The maintenance worker: runs scheduled purges and defenders' forget requests, one job at a time.
 * Unknown or malformed jobs fail without retry; storage faults retry (job options in queues.ts).
 */
export function createMaintenanceWorker(options: MaintenanceWorkerOptions): MaintenanceWorker {
  const { log, metrics } = options;
  const queue = queueNames.maintenance;

  const deps: MaintenanceDeps = {
    ...options,
    forgetMarks: { redis: options.connection, prefix: options.prefix },
  };

  async function run(data: MaintenanceJob, queuedAt: number): Promise<TaskCounts> {
    if (data?.v !== 1) throw new UnrecoverableError("MAINTENANCE_JOB_INVALID");
    switch (data.task) {
      case "purge-requests": {
        const r = await purgeRequests(deps);
        return { shredded: r.shredded, deleted: r.deleted, referralsDeleted: r.referralsDeleted };
      }
      case "forget-sender":
        if (typeof data.sender !== "string" || !senderPattern.test(data.sender)) {
          throw new UnrecoverableError("MAINTENANCE_JOB_INVALID");
        }
        return forgetSender(
          deps,
          data.sender,
          queuedAt,
          typeof data.fromSeq === "string" && /^\d{1,16}-\d{1,10}$/.test(data.fromSeq)
            ? data.fromSeq
            : undefined,
        );
      case "expire-conversations":
      case "prune-dedupe": {
        const handler = options.handlers?.[data.task];
        if (!handler) {
          log.warn("maintenance.task_unhandled", { type: data.task });
          return {};
        }
        const counts = await handler();
        log.info("maintenance.task_done", { type: data.task, ...counts });
        return counts;
      }
      default:
        throw new UnrecoverableError("MAINTENANCE_JOB_INVALID");
    }
  }

  async function process(job: Pick<Job<MaintenanceJob>, "data" | "timestamp">): Promise<TaskCounts> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const counts = await run(job.data, job.timestamp);
      metrics?.jobDuration.observe({ queue, outcome: "completed" }, seconds());
      return counts;
    } catch (err) {
      metrics?.jobDuration.observe({ queue, outcome: "failed" }, seconds());
      if (err instanceof UnrecoverableError) {
        metrics?.jobFailures.inc({ queue, reason: err.message, final: "true" });
        log.error("maintenance.job_failed", { reason: err.message });
        throw err;
      }
      // Storage errors may quote values in their messages: keep the class only.
      const reason =
        err instanceof Error && err.name.startsWith("Mongo") ? "STORAGE_UNAVAILABLE" : "UNEXPECTED";
      metrics?.jobFailures.inc({ queue, reason, final: "false" });
      log.warn("maintenance.job_retry", { reason, err: err as Error });
      throw new Error(reason);
    }
  }

  const worker = new Worker<MaintenanceJob, TaskCounts>(queue, process, {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: 1,
    autorun: options.autorun ?? true,
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
  });
  worker.on("error", (err) => log.error("maintenance.worker_error", { err }));
  // Job ids are task names, `f-<sender hash>-<seq>` (a person) or the scheduler's `repeat:<task>:<ms>` (a
  // millisecond time, security row 31): keep only plain task names.
  recordFinishedJobs(worker, createFinishedJobs({ redis: options.connection, prefix: options.prefix }), {
    queue,
    keepId: (id) => !id.startsWith("f-") && !id.startsWith("repeat:"),
    result: (counts) => ({ ...counts }),
    onError: (err) => log.warn("maintenance.finished_line_failed", { err: err as Error }),
  });
  return { worker, process, close: (timeoutMs = 10_000) => closeWorker(worker, timeoutMs, log) };
}

/**
 * Registers the job schedulers (BullMQ 6 has no `repeat`: `upsertJobScheduler` is idempotent, so every
 * worker process may call this at start). Scheduled jobs use the maintenance queue's default options.
 */
export async function scheduleMaintenance(
  queue: TypedQueue<"maintenance">,
  schedule: MaintenanceSchedule = {},
): Promise<void> {
  const opts = schedulerOptions();
  await queue.upsertJobScheduler(
    "purge-requests",
    { every: schedule.purgeEveryMs ?? 3_600_000 },
    { name: "purge-requests", data: { v: 1, task: "purge-requests" }, opts },
  );
  for (const [task, everyMs] of Object.entries(schedule.external ?? {}) as [ExternalTask, number][]) {
    await queue.upsertJobScheduler(task, { every: everyMs }, { name: task, data: { v: 1, task }, opts });
  }
}

/** The template options of scheduled jobs: the queue defaults (job ids are the scheduler's). */
function schedulerOptions() {
  const { attempts, backoff, removeOnComplete, removeOnFail } = defaultJobOptions.maintenance;
  return {
    ...(attempts !== undefined ? { attempts } : {}),
    ...(backoff !== undefined ? { backoff } : {}),
    ...(removeOnComplete !== undefined ? { removeOnComplete } : {}),
    ...(removeOnFail !== undefined ? { removeOnFail } : {}),
  };
}

/**
 * Queues a defender's forget request. `sender` is the lookup hash; `dedupeId` (e.g. the inbox entry id
 * that carried the delete) makes a replayed delete add nothing.
 */
export async function enqueueForgetSender(
  queue: TypedQueue<"maintenance">,
  sender: string,
  dedupeId: string,
): Promise<string> {
  const jobId = `f-${randomUUID()}`;
  await queue.add(
    "forget-sender",
    {
      v: 1,
      task: "forget-sender",
      sender,
      ...(/^\d{1,16}-\d{1,10}$/.test(dedupeId) ? { fromSeq: dedupeId } : {}),
    },
    // Its id is random, not the sender's hash (job ids stay in BullMQ's event stream), and nothing of it
    // stays once it has run. A replayed delete queues a second one, which finds nothing left to do.
    { jobId, removeOnComplete: true, removeOnFail: true },
  );
  return jobId;
}
