import type { FastifyInstance } from "fastify";
import { createIngressEngine } from "../bots/ingress/engine-adapter.js";
import { createConversationForgetter } from "../bots/ingress/forget-conversation.js";
import { createIngress, type Ingress } from "../bots/ingress/ingress.js";
import { createIngressSealing } from "../bots/ingress/sealing.js";
import {
  createSmsSender,
  createSmsWebhook,
  createTwilioRest,
  twilioMessageDeleter,
} from "../bots/sms/index.js";
import {
  createMessageLog,
  createMessageLogWriter,
  incomingIdRecorder,
  messageLogKeys,
} from "../bots/telegram/message-log.js";
import { startTelegramPolling } from "../bots/telegram/polling.js";
import { createTelegramSender } from "../bots/telegram/sender.js";
import { createTelegramWebhook } from "../bots/telegram/webhook.js";
import { createTelegramWorkerHooks } from "../bots/telegram/worker-hooks.js";
import { createMaintenanceWorker, scheduleMaintenance } from "../queues/maintenance.js";
import type { OutboundMessage } from "../queues/outbound-message.js";
import { createOutboundWorker } from "../queues/outbound-worker.js";
import { createPacer } from "../queues/pacing.js";
import { createQueues, type Queues } from "../queues/queues.js";
import { checkRedisPolicy } from "../queues/redis-policy.js";
import { closeWorker, createScreeningWorker, createTeamKeyResolver } from "../queues/screening-worker.js";
import { createStaffReplyGuard, enqueueStaffReply } from "../queues/staff-reply-guard.js";
import { DEMO_KDF_FLOOR, PRODUCTION_KDF_FLOOR } from "../src/console/kdf-floor.js";
import { createConsolePlugin } from "../src/console/plugin.js";
import { cryptoReady, openOutbound } from "../src/crypto/index.js";
import type { ConversationState } from "../src/intake/index.js";
import { loadConsoleKey } from "../src/keys/console-key.js";
import {
  keepLookupEpochCurrent,
  loadRoleKeys,
  readTeamPins,
  type ServeKeys,
  type WorkKeys,
} from "../src/keys/index.js";
import type { Log } from "../src/log/index.js";
import { createMetrics, type Metrics, metricsPlugin } from "../src/metrics/index.js";
import { createAuditLog } from "../src/storage/audit.js";
import { ensureIndexes } from "../src/storage/indexes.js";
import { createRequestStore } from "../src/storage/requests.js";
import { createStaffStore } from "../src/storage/staff.js";
import type { RoleContext } from "./context.js";

/** What the parts of a role share: its keys, the queues, metrics, and (serve) the ingress. */
export interface Services {
  readonly queues: Queues;
  readonly metrics: Metrics;
  readonly serveKeys: ServeKeys | undefined;
  readonly workKeys: WorkKeys | undefined;
  readonly ingress: Ingress | undefined;
  /** Resolves once MongoDB's indexes exist (the unique ones make replayed writes idempotent). */
  readonly indexesReady: Promise<void>;
}

const SWEEP_INTERVAL_MS = 5_000;
const WORKER_CLOSE_MS = 10_000;

/**
 * Loads the keys the role needs (serve: only what the internet-facing ingress may hold; work: what the
 * workers need), opens the queues, checks Redis will not evict, and builds the ingress for roles that
 * serve webhooks.
 */
export async function buildServices(context: RoleContext): Promise<Services> {
  const { config, log, lifecycle } = context;
  await cryptoReady();
  // `all` runs both roles in one process and so holds both key sets by design: the per-role warning about
  // a readable secret the role does not need would only be noise there.
  const keyLog: Log =
    context.role === "all"
      ? {
          ...log,
          warn: (event, fields) => {
            if (event !== "keys.unneeded_secret_readable") log.warn(event, fields);
          },
        }
      : log;
  const serveKeys = context.role !== "work" ? await loadRoleKeys(config.keysDir, "serve", keyLog) : undefined;
  const workKeys = context.role !== "serve" ? await loadRoleKeys(config.keysDir, "work", keyLog) : undefined;
  // The lookup key moves forward every LOOKUP_EPOCH_DAYS (docs/security.md); both roles' rings follow in place.
  const lookupEpoch = keepLookupEpochCurrent({
    dir: config.keysDir,
    epochDays: config.lookupEpochDays,
    rings: [serveKeys?.lookup, workKeys?.lookup].filter((r) => r !== undefined),
    reload: async () => (await loadRoleKeys(config.keysDir, serveKeys ? "serve" : "work", keyLog)).lookup,
    log,
  });
  await lookupEpoch.check();
  lifecycle.add({ name: "lookup-epoch", close: async () => lookupEpoch.stop() });
  await checkRedisPolicy(context.redis, config.mode, log).catch((err: unknown) => {
    // Production refuses an evicting Redis; an unreachable one is reported by /readyz instead.
    if ((err as { code?: string }).code === "CONFIG_INVALID") throw err;
  });

  const queues = createQueues(context.bullConnection(), config.redis.prefix);
  lifecycle.add({ name: "queues", close: () => queues.close() });
  const metrics = createMetrics({ processMetrics: true });
  metrics.watchQueues(Object.values(queues).filter((q): q is Queues["screening"] => typeof q === "object"));

  const indexesReady = ensureIndexesWhenConnected(context);

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
      // Telegram: incoming message ids for /wipe, recorded when each message is applied.
      ...(config.telegram.enabled
        ? {
            beforeApply: incomingIdRecorder(
              createMessageLogWriter({
                redis: context.redis,
                prefix: config.redis.prefix,
                outbound: serveKeys.outbound,
              }),
            ),
          }
        : {}),
    });
    const running = ingress;
    if (config.telegram.enabled && config.telegram.mode === "polling") {
      // Local development without a public URL: the same normalisation and ingress, fed by getUpdates.
      const polling = startTelegramPolling({
        token: config.telegram.token,
        apiRoot: config.telegram.apiRoot,
        ingress,
        lookup: serveKeys.lookup,
        log: log.child({ component: "telegram" }),
      });
      lifecycle.add({ name: "telegram-polling", close: async () => polling.stop() });
    }
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
  return { queues, metrics, serveKeys, workKeys, ingress, indexesReady };
}

/** Creates MongoDB's indexes as soon as the server answers, retrying while it is down. */
function ensureIndexesWhenConnected(context: RoleContext): Promise<void> {
  let stopped = false;
  context.lifecycle.add({
    name: "indexes",
    close: async () => {
      stopped = true;
    },
  });
  return (async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await context.storage.ping();
        await ensureIndexes(context.storage.connection);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
      }
    }
  })();
}

/**
 * `/metrics` on the public listener: only when it has no listener of its own, and then behind its token,
 * or open in demo mode (loopback, fictional data). Production without a token or a port serves none.
 */
function publicMetricsPlugin(config: RoleContext["config"], metrics: Metrics) {
  if (config.metrics.port !== undefined) return undefined;
  if (config.metrics.token) return metricsPlugin(metrics.registry, { token: config.metrics.token });
  return config.mode === "demo" ? metricsPlugin(metrics.registry) : undefined;
}

/**
 * `/metrics` alone, for the separate listener `METRICS_PORT` asks for (any role, `work` included).
 */
export function metricsListenerPlugins(config: RoleContext["config"], services: Services) {
  return [
    metricsPlugin(services.metrics.registry, config.metrics.token ? { token: config.metrics.token } : {}),
  ];
}

/**
 * The HTTP parts of `serve` and `all`: channel webhooks, the staff console, /metrics. Each is a Fastify
 * plugin scoped to its own routes.
 */
export function httpPlugins(
  context: RoleContext,
  services: Services,
): Array<(app: FastifyInstance) => Promise<void> | void> {
  const { config, log } = context;
  const { ingress, serveKeys, queues } = services;
  const plugins: Array<(app: FastifyInstance) => Promise<void> | void> = [];
  const publicMetrics = publicMetricsPlugin(config, services.metrics);
  if (publicMetrics) plugins.push(publicMetrics);
  if (!ingress || !serveKeys) return plugins;

  if (config.telegram.enabled && config.telegram.mode === "webhook") {
    plugins.push(
      createTelegramWebhook({
        token: config.telegram.token,
        secretToken: config.telegram.webhookSecret,
        apiRoot: config.telegram.apiRoot,
        ingress,
        lookup: serveKeys.lookup,
        log: log.child({ component: "telegram" }),
      }),
    );
  }
  if (config.twilio.enabled) {
    const twilio = config.twilio;
    const client = createTwilioRest({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      apiBase: twilio.apiBase,
    });
    const sms = createSmsWebhook({
      authToken: twilio.authToken,
      publicBaseUrl: config.http.publicBaseUrl,
      ingress,
      lookup: serveKeys.lookup,
      log: log.child({ component: "sms" }),
      redis: context.redis,
      prefix: config.redis.prefix,
      ...(twilio.deleteAfterIngest ? { deleteMessage: twilioMessageDeleter(client) } : {}),
    });
    context.lifecycle.add({ name: "sms-webhook", close: () => sms.idle() });
    plugins.push(sms);
  }

  const outbound = serveKeys.outbound;
  plugins.push(
    createConsolePlugin({
      log: log.child({ component: "console" }),
      redis: context.redis,
      redisPrefix: config.redis.prefix,
      connection: context.storage.connection,
      auditKey: serveKeys.audit,
      retentionDays: config.retentionDays,
      erasureKeys: context.storage.erasureKeys,
      kdfFloor: config.mode === "production" ? PRODUCTION_KDF_FLOOR : DEMO_KDF_FLOOR,
      totpKey: loadConsoleKey(config.keysDir, { create: true }),
      cookieSecure: config.http.publicBaseUrl.startsWith("https://"),
      enqueueOutbound: async (job) => {
        await enqueueStaffReply(queues, job);
      },
      outboundPublicKey: async () => {
        const key = outbound.keys.get(outbound.current);
        return key ? { keyId: outbound.current, publicKey: key } : undefined;
      },
      queueHealth: async () => {
        const out: Record<string, Record<string, number>> = {};
        for (const [name, queue] of Object.entries(queues)) {
          if (typeof queue === "object") out[name] = await queue.getJobCounts();
        }
        return out;
      },
    }),
  );
  return plugins;
}

/** Starts the queue workers for `work` and `all`, registering each with the lifecycle. */
export async function startWorkers(context: RoleContext, services: Services): Promise<void> {
  const { config, log, lifecycle } = context;
  const keys = services.workKeys;
  if (!keys) return;
  const requests = createRequestStore({
    connection: context.storage.connection,
    retentionDays: config.retentionDays,
    erasureKeys: context.storage.erasureKeys,
  });
  const audit = createAuditLog({ connection: context.storage.connection, key: keys.audit });
  const staff = createStaffStore(context.storage.connection);

  const screening = createScreeningWorker({
    connection: context.bullConnection(),
    prefix: config.redis.prefix,
    keys,
    requests,
    teamKey: createTeamKeyResolver({ pins: () => readTeamPins(config.keysDir), store: staff, log }),
    log: log.child({ component: "screening" }),
    metrics: services.metrics,
    // The unique indexes must exist before the first write, or a replay could insert twice.
    autorun: false,
  });
  lifecycle.add({ name: "screening-worker", close: () => screening.close(WORKER_CLOSE_MS) });
  void services.indexesReady
    .then(() => screening.worker.run())
    .catch((err: unknown) => {
      log.error("screening.start_failed", { err: err as Error });
    });

  const maintenance = createMaintenanceWorker({
    connection: context.bullConnection(),
    prefix: config.redis.prefix,
    requests,
    audit,
    log: log.child({ component: "maintenance" }),
    metrics: services.metrics,
    // A defender's delete (row 25): their jobs, conversation keys and Telegram message log go too.
    eraseJobs: {
      queues: services.queues,
      intake: keys.intake,
      redis: context.redis,
      prefix: config.redis.prefix,
    },
    forgetConversation: createConversationForgetter({
      redis: context.redis,
      prefix: config.redis.prefix,
      alsoKeys: (sender) => Object.values(messageLogKeys(config.redis.prefix, sender)),
    }),
  });
  lifecycle.add({ name: "maintenance-worker", close: () => maintenance.close(WORKER_CLOSE_MS) });
  await scheduleMaintenance(services.queues.maintenance);

  const openMessage = (sealed: string, contextId: string) =>
    JSON.parse(openOutbound(keys.outbound, contextId, sealed)) as OutboundMessage;
  // Staff replies go only to their request's own sender; a refusal is audited (security row 29).
  const staffReplies = createStaffReplyGuard({
    lookup: keys.lookup,
    senderOf: async (requestId) => (await requests.getRequest(requestId))?.senderHash,
    refused: async ({ requestId, staffId, channel, reason }) => {
      await audit.append({
        actor: staffId ?? "system",
        action: "reply_refused",
        requestId,
        details: { channel, reason },
      });
    },
  });

  if (config.telegram.enabled) {
    const telegram = config.telegram;
    const hooks = createTelegramWorkerHooks({
      messageLog: createMessageLog({
        redis: context.redis,
        prefix: config.redis.prefix,
        outbound: keys.outbound,
      }),
      queue: services.queues["outbound-telegram"],
      outbound: keys.outbound,
    });
    const worker = createOutboundWorker({
      channel: "telegram",
      connection: context.bullConnection(),
      redis: context.redis,
      prefix: config.redis.prefix,
      sender: createTelegramSender({ token: telegram.token, apiRoot: telegram.apiRoot }),
      open: openMessage,
      staffReplies,
      pacer: createPacer({
        redis: context.redis,
        prefix: config.redis.prefix,
        ratePerSecond: telegram.ratePerSecond,
        burst: 5,
      }),
      paceKey: "telegram",
      log: log.child({ component: "outbound-telegram" }),
      ...hooks,
    });
    lifecycle.add({ name: "outbound-telegram", close: () => closeWorker(worker, WORKER_CLOSE_MS, log) });
  }
  if (config.twilio.enabled) {
    const twilio = config.twilio;
    const worker = createOutboundWorker({
      channel: "sms",
      connection: context.bullConnection(),
      redis: context.redis,
      prefix: config.redis.prefix,
      sender: createSmsSender({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        from: twilio.from,
        apiBase: twilio.apiBase,
        statusCallbackUrl: `${config.http.publicBaseUrl}/webhooks/twilio/status`,
      }),
      open: openMessage,
      staffReplies,
      pacer: createPacer({
        redis: context.redis,
        prefix: config.redis.prefix,
        ratePerSecond: twilio.segmentsPerSecond,
      }),
      paceKey: `sms:${twilio.from}`,
      log: log.child({ component: "outbound-sms" }),
    });
    lifecycle.add({ name: "outbound-sms", close: () => closeWorker(worker, WORKER_CLOSE_MS, log) });
  }
}
