import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/metrics/index.js";
import { useTestRedis } from "../../support/isolation.js";

const r = useTestRedis();

describe("createMetrics", () => {
  it("gives each call its own registry, so several can live in one process", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.requestsCreated.inc({ urgency: "emergency" });
    expect(await a.registry.getSingleMetricAsString("intake_requests_created_total")).toContain(
      'intake_requests_created_total{urgency="emergency"} 1',
    );
    expect(await b.registry.getSingleMetricAsString("intake_requests_created_total")).not.toContain(
      "emergency",
    );
  });

  it("reads queue depth from Redis when scraped", async () => {
    const connection = new Redis(r.url, { maxRetriesPerRequest: null });
    const queue = new Queue("depth-probe", { connection, prefix: `${r.prefix}:bull` });
    try {
      const metrics = createMetrics();
      metrics.watchQueues([queue]);
      await queue.add("x", { v: 1 });
      await queue.add("y", { v: 1 }, { delay: 60_000 });
      const text = await metrics.registry.metrics();
      expect(text).toContain('intake_queue_jobs{queue="depth-probe",state="waiting"} 1');
      expect(text).toContain('intake_queue_jobs{queue="depth-probe",state="delayed"} 1');
      await queue.add("z", { v: 1 });
      expect(await metrics.registry.metrics()).toContain(
        'intake_queue_jobs{queue="depth-probe",state="waiting"} 2',
      );
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });

  it("still answers a scrape when a queue cannot be read, counting the error", async () => {
    const metrics = createMetrics();
    metrics.watchQueues([
      {
        name: "gone",
        getJobCounts: () => Promise.reject(new Error("Connection is closed.")),
      },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('intake_queue_depth_errors_total{queue="gone"} 1');
    expect(text).not.toContain('intake_queue_jobs{queue="gone"');
  });
});
