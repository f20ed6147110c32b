import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

/**
 * `GET /metrics` in the Prometheus text format, for the composition root to register. The output holds
 * counts and timings only, but it still describes the service's load: keep it off the public reverse proxy.
 */
export function metricsPlugin(registry: Registry, options: { path?: string } = {}) {
  return (app: FastifyInstance): void => {
    app.get(options.path ?? "/metrics", async (_request, reply) => {
      const body = await registry.metrics();
      return reply
        .header("content-type", registry.contentType)
        .header("cache-control", "no-store")
        .send(body);
    });
  };
}
