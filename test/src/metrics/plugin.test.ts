import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { createMetrics, metricsPlugin } from "../../../src/metrics/index.js";

describe("metricsPlugin", () => {
  it("serves the registry at GET /metrics in the Prometheus text format, uncached", async () => {
    const metrics = createMetrics();
    metrics.requestsCreated.inc({ urgency: "urgent" }, 2);
    metrics.jobFailures.inc({ queue: "screening", reason: "INTAKE_ENVELOPE_INVALID", final: "true" });
    const app = Fastify();
    await app.register(metricsPlugin(metrics.registry));
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).toContain('intake_requests_created_total{urgency="urgent"} 2');
    expect(res.body).toContain(
      'intake_job_failures_total{queue="screening",reason="INTAKE_ENVELOPE_INVALID",final="true"} 1',
    );
    await app.close();
  });
});
