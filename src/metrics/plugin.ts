import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

export interface MetricsRouteOptions {
  readonly path?: string;
  /** When set, a scrape must send `Authorization: Bearer <token>`; anything else gets 401. */
  readonly token?: string;
}

/**
 * `GET /metrics` in the Prometheus text format, for the composition root to register. The output holds
 * counts and timings only, but live counts of emergencies describe what is happening to whom: the
 * composition root serves it on its own listener or behind a token (`Config.metrics`), never openly in
 * production.
 */
export function metricsPlugin(registry: Registry, options: MetricsRouteOptions = {}) {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return (app: FastifyInstance): void => {
    app.get(options.path ?? "/metrics", async (request, reply) => {
      if (expected && !bearerMatches(request.headers.authorization, expected)) {
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="metrics"')
          .header("cache-control", "no-store")
          .send({ error: "UNAUTHORIZED" });
      }
      const body = await registry.metrics();
      return reply
        .header("content-type", registry.contentType)
        .header("cache-control", "no-store")
        .send(body);
    });
  };
}

// Both sides are hashed first so the comparison is constant-time whatever the presented length.
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer ([^\s]{1,512})$/.exec(header ?? "");
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}
