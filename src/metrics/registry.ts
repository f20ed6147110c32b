import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Anything that can report its job counts by state: a BullMQ `Queue` fits structurally, so `src/` stays
 * free of the queue library.
 */
export interface QueueDepthSource {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** Job states reported as queue depth. */
export const queueDepthStates = ["waiting", "active", "delayed", "prioritized", "paused", "failed"] as const;

/**
 * The service's metrics. Every label value is a queue name, a state, an urgency level, a task name or a
 * content-free reason code: never an id, a hash or anything a defender said.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Jobs by queue and state, read from Redis when /metrics is scraped. */
  readonly queueJobs: Gauge<"queue" | "state">;
  /** Time to process one job attempt, by queue and outcome (`completed`, `failed`, `delayed`). */
  readonly jobDuration: Histogram<"queue" | "outcome">;
  /** Failed job attempts by queue and reason code; `final` is "true" when no retry follows. */
  readonly jobFailures: Counter<"queue" | "reason" | "final">;
  /** Protection requests created, by urgency level (replays are not counted). */
  readonly requestsCreated: Counter<"urgency">;
  /** Sealed intakes that could not be opened or failed validation, by reason code. */
  readonly screeningEnvelopeFailures: Counter<"reason">;
  /** Items handled by maintenance tasks (e.g. task="purge-requests", kind="deleted"). */
  readonly maintenanceItems: Counter<"task" | "kind">;
  /** Adds queues whose depth is reported on each scrape. */
  watchQueues(queues: readonly QueueDepthSource[]): void;
}

export interface MetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event loop lag). Off in tests. */
  readonly processMetrics?: boolean;
  /** Metric name prefix; default `intake_`. */
  readonly prefix?: string;
}

/**
 * Creates a registry of this process's metrics. A fresh `Registry` each time (never prom-client's global
 * default), so tests and several roles in one process each get their own.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const p = options.prefix ?? "intake_";
  const watched: QueueDepthSource[] = [];

  // One Redis read per scrape, shared by the depth gauge and the error counter (prom-client collects
  // metrics in parallel, so each awaits the same read).
  let reading: Promise<ReadonlyMap<string, Record<string, number>>> | undefined;
  const readDepths = () => {
    reading ??= (async () => {
      const out = new Map<string, Record<string, number>>();
      for (const queue of watched) {
        try {
          out.set(queue.name, await queue.getJobCounts(...queueDepthStates));
        } catch {
          // Redis unreachable: report nothing for this queue rather than failing the whole scrape.
          scrapeErrors.inc({ queue: queue.name });
        }
      }
      return out;
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };

  const queueJobs = new Gauge({
    name: `${p}queue_jobs`,
    help: "Jobs in each queue by state, read from Redis at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      const depths = await readDepths();
      this.reset();
      for (const [queue, counts] of depths) {
        for (const state of queueDepthStates) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });
  const scrapeErrors: Counter<"queue"> = new Counter({
    name: `${p}queue_depth_errors_total`,
    help: "Scrapes where a queue's depth could not be read from Redis",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      await readDepths();
    },
  });
  const jobDuration = new Histogram({
    name: `${p}job_duration_seconds`,
    help: "Time to process one job attempt",
    labelNames: ["queue", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: `${p}job_failures_total`,
    help: "Failed job attempts by reason code",
    labelNames: ["queue", "reason", "final"] as const,
    registers: [registry],
  });
  const requestsCreated = new Counter({
    name: `${p}requests_created_total`,
    help: "Protection requests created, by urgency",
    labelNames: ["urgency"] as const,
    registers: [registry],
  });
  const screeningEnvelopeFailures = new Counter({
    name: `${p}screening_envelope_failures_total`,
    help: "Sealed intakes that could not be opened or validated",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const maintenanceItems = new Counter({
    name: `${p}maintenance_items_total`,
    help: "Items handled by maintenance tasks",
    labelNames: ["task", "kind"] as const,
    registers: [registry],
  });
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: p });

  return {
    registry,
    queueJobs,
    jobDuration,
    jobFailures,
    requestsCreated,
    screeningEnvelopeFailures,
    maintenanceItems,
    watchQueues(queues) {
      for (const q of queues) if (!watched.includes(q)) watched.push(q);
    },
  };
}
