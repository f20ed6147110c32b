import Fastify, { type FastifyInstance } from "fastify";
import { isAppError } from "../src/errors/app-error.js";
import type { Readiness } from "../src/health/readiness.js";
import type { Log } from "../src/log/index.js";

export interface ServerDeps {
  log: Log;
  readiness: Readiness;
  /** Adds routes (webhooks, console, metrics) to the server; each is scoped to its own plugin. */
  plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void> | void>;
  /** Largest body accepted anywhere; webhooks set smaller limits on their own routes. */
  bodyLimit?: number;
  /**
   * Addresses or CIDRs of the TLS proxy (TRUST_PROXY): only requests from them have their X-Forwarded-For
   * believed, so the sign-in throttle keys on the staff member's address rather than the proxy's.
   */
  trustProxy?: readonly string[];
}

/**
 * Builds the HTTP server: health endpoints, one error handler that maps AppError codes to statuses and
 * never returns internals, and one access log line per request with the route pattern only (no query
 * string, no IP address, no headers).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    trustProxy: deps.trustProxy && deps.trustProxy.length > 0 ? [...deps.trustProxy] : false,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });

  app.addHook("onResponse", async (request, reply) => {
    deps.log.info("http.request", {
      method: request.method,
      route: request.routeOptions.url ?? "(unmatched)",
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    });
  });

  app.setErrorHandler((err, _request, reply) => {
    if (isAppError(err)) {
      return reply.code(err.status).send({ error: err.code, message: err.message });
    }
    const status =
      typeof (err as { statusCode?: unknown }).statusCode === "number"
        ? (err as { statusCode: number }).statusCode
        : 500;
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx (bad JSON, body too large, wrong content type): answer with its code, not its
      // message, which may quote the body.
      const code = (err as { code?: unknown }).code;
      return reply.code(status).send({ error: typeof code === "string" ? code : "BAD_REQUEST" });
    }
    deps.log.error("http.unhandled_error", {
      err: err instanceof Error ? err : new Error("non-error thrown"),
    });
    return reply.code(500).send({ error: "INTERNAL" });
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "NOT_FOUND" }));

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const report = await deps.readiness.check();
    return reply
      .code(report.ready ? 200 : 503)
      .send(report.ready ? { status: "ready" } : { status: "unavailable", down: report.down });
  });

  for (const plugin of deps.plugins ?? []) await app.register(async (scope) => plugin(scope));
  return app;
}
