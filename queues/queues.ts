import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type QueueName, type QueuePayloads, queueNames } from "./payloads.js";

/**
 * Default job options per queue. Retries are explicit (BullMQ has none unless `attempts` is set). A job
 * is removed the moment it completes or finally fails, payload and all (security row 24): what remains
 * is a content-free line in queues/finished-jobs.ts. Replays are recognised without the finished job:
 * screening by MongoDB's unique intakeId index, outbound and maintenance by the dedupe mark `addOnce`
 * leaves for REPLAY_WINDOW_MS.
 */
export const defaultJobOptions: Record<QueueName, JobsOptions> = {
  screening: {
    attempts: 12,
    backoff: { type: "exponential", delay: 1000 },
    removeOnComplete: true,
    removeOnFail: true,
  },
  "outbound-telegram": {
    attempts: 8,
    backoff: { type: "exponential", delay: 1000 },
    removeOnComplete: true,
    removeOnFail: true,
  },
  "outbound-sms": {
    attempts: 8,
    backoff: { type: "exponential", delay: 2000 },
    removeOnComplete: true,
    removeOnFail: true,
  },
  maintenance: {
    attempts: 3,
    backoff: { type: "exponential", delay: 5000 },
    removeOnComplete: true,
    removeOnFail: true,
  },
};

/**
 * How long a finished job's id is still recognised, so that adding it again adds nothing. The ingress
 * replays a crashed turn within its lock time plus one sweep (about 35 s) and the console's retried POST
 * within seconds; 15 minutes covers both with room.
 */
export const REPLAY_WINDOW_MS = 15 * 60_000;

/**
 * BullMQ's event stream per queue (job ids, return values, failure reasons, with millisecond stream ids):
 * nothing reads it here, so it is kept as short as BullMQ allows.
 */
export const EVENTS_MAX_LEN = 50;

/**
 * Options to add a job once: its deterministic id, plus a dedupe mark (BullMQ `deduplication` in throttle
 * mode) that outlives the removed job for REPLAY_WINDOW_MS, so a replay within that window is ignored
 * even after the first job finished and was removed.
 */
export function addOnce(jobId: string): JobsOptions {
  return { jobId, deduplication: { id: jobId, ttl: REPLAY_WINDOW_MS } };
}

/** A typed BullMQ queue: `add` accepts only the payload of its own name. */
export type TypedQueue<N extends QueueName> = Queue<QueuePayloads[N], unknown, string>;

export type Queues = { readonly [N in QueueName]: TypedQueue<N> } & { close(): Promise<void> };

/**
 * Opens every queue on one shared connection with the configured prefix (BullMQ rejects ioredis
 * `keyPrefix`; its own `prefix` option namespaces keys instead).
 */
export function createQueues(connection: Redis, prefix: string): Queues {
  const make = <N extends QueueName>(name: N): TypedQueue<N> =>
    new Queue<QueuePayloads[N], unknown, string>(name, {
      connection,
      prefix: `${prefix}:bull`,
      defaultJobOptions: defaultJobOptions[name],
      streams: { events: { maxLen: EVENTS_MAX_LEN } },
    });
  const queues = {
    screening: make(queueNames.screening),
    "outbound-telegram": make(queueNames.outboundTelegram),
    "outbound-sms": make(queueNames.outboundSms),
    maintenance: make(queueNames.maintenance),
  };
  return {
    ...queues,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}

/** The BullMQ prefix for a REDIS_PREFIX, shared by queues and workers. */
export function bullPrefix(prefix: string): string {
  return `${prefix}:bull`;
}
