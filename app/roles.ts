import { once } from "node:events";
import type { FastifyInstance } from "fastify";
import type { Config } from "../src/config/index.js";
import { createReadiness } from "../src/health/readiness.js";
import type { Log } from "../src/log/index.js";
import { closeRedis, createRedis } from "../src/redis/connect.js";
import { connectStorage } from "../src/storage/connection.js";
import type { RoleContext } from "./context.js";
import { Lifecycle } from "./lifecycle.js";
import { buildServer } from "./server.js";
import { buildServices, httpPlugins, metricsListenerPlugins, startWorkers } from "./wiring.js";

export type Role = "serve" | "work" | "all";

export interface RunningRole {
  readonly context: RoleContext;
  /** The HTTP server, for `serve` and `all`; `work` also answers /healthz and /readyz on its port. */
  readonly server: FastifyInstance;
  /** The address the server listens on, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  /** The separate `/metrics` listener's address, when `METRICS_PORT` is set. */
  readonly metricsAddress?: string;
  close(): Promise<void>;
}

/**
 * The composition root for one process role: `serve` (webhooks + staff console), `work` (queue workers),
 * or `all` (both; the demo's default). Everything it starts is closed in reverse order by `close()`.
 */
export async function startRole(
  role: Role,
  config: Config,
  log: Log,
  options: { port?: number } = {},
): Promise<RunningRole> {
  const lifecycle = new Lifecycle(log);
  const bullClients = new Set<ReturnType<typeof createRedis>>();
  try {
    const redis = createRedis(config.redis.url, "app", role);
    lifecycle.add({ name: "redis", close: () => closeRedis(redis) });
    const probe = createRedis(config.redis.url, "probe", `${role}-probe`);
    lifecycle.add({ name: "redis-probe", close: () => closeRedis(probe) });
    lifecycle.add({
      name: "redis-bullmq",
      close: async () => {
        await Promise.all([...bullClients].map((c) => closeRedis(c)));
      },
    });
    const storage = connectStorage(config.mongo.uri, config.mongo.keyStore);
    lifecycle.add({ name: "mongodb", close: () => storage.close() });

    const context: RoleContext = {
      role,
      config,
      log: log.child({ role }),
      redis,
      bullConnection: () => {
        const client = createRedis(config.redis.url, "bullmq", role);
        bullClients.add(client);
        return client;
      },
      storage,
      lifecycle,
    };

    const readiness = createReadiness({
      redis: async () => {
        // The probe has no offline queue, so wait for its first connection instead of failing at once.
        if (probe.status !== "ready") await once(probe, "ready", { signal: AbortSignal.timeout(1500) });
        if ((await probe.ping()) !== "PONG") throw new Error("unexpected reply");
      },
      mongodb: () => storage.ping(),
    });

    const services = await buildServices(context);
    if (role !== "serve") await startWorkers(context, services);

    const server = await buildServer({
      log: context.log,
      readiness,
      trustProxy: config.http.trustProxy,
      plugins: role === "work" ? [] : httpPlugins(context, services),
    });
    const address = await server.listen({ host: config.http.host, port: options.port ?? config.http.port });
    // The server closes first so no new work arrives while workers drain.
    lifecycle.add({ name: "http", close: () => server.close() });
    const metricsAddress = await startMetricsListener(context, services, lifecycle, readiness);
    context.log.info("role.started", {
      port: Number(new URL(address).port),
      metrics: metricsAddress ? Number(new URL(metricsAddress).port) : config.metrics.token ? "token" : "off",
    });
    return {
      context,
      server,
      address,
      ...(metricsAddress ? { metricsAddress } : {}),
      close: () => lifecycle.close(),
    };
  } catch (err) {
    await lifecycle.close();
    throw err;
  }
}

/** `/metrics` on its own listener (monitoring network only), when `METRICS_PORT` is set. */
async function startMetricsListener(
  context: RoleContext,
  services: Awaited<ReturnType<typeof buildServices>>,
  lifecycle: Lifecycle,
  readiness: ReturnType<typeof createReadiness>,
): Promise<string | undefined> {
  const { metrics } = context.config;
  if (metrics.port === undefined) return undefined;
  const server = await buildServer({
    log: context.log.child({ component: "metrics" }),
    readiness,
    plugins: metricsListenerPlugins(context.config, services),
  });
  const address = await server.listen({ host: metrics.host, port: metrics.port });
  lifecycle.add({ name: "metrics-http", close: () => server.close() });
  return address;
}
