import type { FastifyInstance } from "fastify";
import { createIngressEngine } from "../bots/ingress/engine-adapter.js";
import { createIngress, type Ingress } from "../bots/ingress/ingress.js";
import { createIngressSealing } from "../bots/ingress/sealing.js";
import { outboundQueueName } from "../queues/payloads.js";
import { createQueues, type Queues } from "../queues/queues.js";
import { createConsolePlugin } from "../src/console/plugin.js";
import { cryptoReady } from "../src/crypto/index.js";
import type { ConversationState } from "../src/intake/index.js";
import { loadRoleKeys, type ServeKeys, type WorkKeys } from "../src/keys/index.js";
import type { RoleContext } from "./context.js";

/** What the parts of a role share: its keys, the queues, and (serve) the ingress. */
export interface Services {
  readonly queues: Queues;
  readonly serveKeys: ServeKeys | undefined;
  readonly workKeys: WorkKeys | undefined;
  readonly ingress: Ingress | undefined;
}

const SWEEP_INTERVAL_MS = 5_000;

/**
 * Loads the keys the role needs (serve: only what the internet-facing ingress may hold; work: what the
 * workers need), opens the queues, and builds the ingress for roles that serve webhooks.
 */
export async function buildServices(context: RoleContext): Promise<Services> {
  const { config, log, lifecycle } = context;
  await cryptoReady();
  const serves = context.role !== "work";
  const works = context.role !== "serve";
  const serveKeys = serves ? await loadRoleKeys(config.keysDir, "serve", log) : undefined;
  const workKeys = works ? await loadRoleKeys(config.keysDir, "work", log) : undefined;

  const queues = createQueues(context.bullConnection(), config.redis.prefix);
  lifecycle.add({ name: "queues", close: () => queues.close() });

  let ingress: Ingress | undefined;
  if (serveKeys) {
    const ttlMs = config.conversationTtlHours * 3600_000;
    ingress = createIngress<ConversationState>({
      redis: context.redis,
      prefix: config.redis.prefix,
      queues,
      sealing: createIngressSealing(serveKeys),
      engine: createIngressEngine({ ttlMs }),
      log: log.child({ component: "ingress" }),
      conversationTtlMs: ttlMs,
      limits: config.limits,
    });
    const running = ingress;
    // Recovers conversations a crashed process left half-applied, and sends expiry reminders.
    const timer = setInterval(() => {
      running.sweep().catch((err: unknown) => log.error("ingress.sweep_failed", { err: err as Error }));
    }, SWEEP_INTERVAL_MS);
    timer.unref();
    lifecycle.add({
      name: "ingress",
      close: async () => {
        clearInterval(timer);
        await running.idle();
      },
    });
  }
  return { queues, serveKeys, workKeys, ingress };
}

/**
 * The HTTP parts of `serve` and `all`: channel webhooks, the staff console, /metrics. Each is a Fastify
 * plugin scoped to its own routes.
 */
export function httpPlugins(
  context: RoleContext,
  services: Services,
): Array<(app: FastifyInstance) => Promise<void> | void> {
  const { config } = context;
  const outbound = services.serveKeys?.outbound;
  const staffConsole = createConsolePlugin({
    log: context.log.child({ component: "console" }),
    redis: context.redis,
    redisPrefix: config.redis.prefix,
    connection: context.storage.connection,
    retentionDays: config.retentionDays,
    cookieSecure: !(config.mode === "demo" && config.http.publicBaseUrl.startsWith("http:")),
    outboundPublicKey: async () => {
      const key = outbound?.keys.get(outbound.current);
      return outbound && key ? { keyId: outbound.current, publicKey: key } : undefined;
    },
    enqueueOutbound: async (job) => {
      const data = {
        v: 1 as const,
        channel: job.channel,
        recipient: job.recipient,
        sealed: job.sealed,
        seq: job.seq,
      };
      await services.queues[outboundQueueName(job.channel)].add("send", data, { jobId: job.jobId });
    },
    queueHealth: async () => ({
      screening: await services.queues.screening.getJobCounts(),
      "outbound-telegram": await services.queues["outbound-telegram"].getJobCounts(),
      "outbound-sms": await services.queues["outbound-sms"].getJobCounts(),
    }),
  });
  return [staffConsole];
}

/** Starts the queue workers for `work` and `all`, registering each with the lifecycle. */
export async function startWorkers(_context: RoleContext, _services: Services): Promise<void> {}
