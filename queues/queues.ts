import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type QueueName, type QueuePayloads, queueNames } from "./payloads.js";

/**
 * Default job options per queue. Retries are explicit (BullMQ has none unless `attempts` is set);
 * completed jobs are kept long enough that a replayed job id is recognised and ignored (a crashed turn is
 * replayed within seconds by the ingress sweeper: an hour for outbound, whose jobs are ~2 KB each; a week
 * for screening); failed jobs keep only their content-free reason (job data is ciphertext).
 */
export const defaultJobOptions: Record<QueueName, JobsOptions> = {
  screening: {
    attempts: 12,
    backoff: { type: "exponential", delay: 1000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  },
  "outbound-telegram": {
    attempts: 8,
    backoff: { type: "exponential", delay: 1000 },
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  "outbound-sms": {
    attempts: 8,
    backoff: { type: "exponential", delay: 2000 },
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  maintenance: {
    attempts: 3,
    backoff: { type: "exponential", delay: 5000 },
    removeOnComplete: 100,
    removeOnFail: 100,
  },
};

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
