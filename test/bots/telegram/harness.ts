/**
 * A small Telegram test rig from the real parts: the ingress with the real engine and real keys on the
 * test Redis prefix, the queues, the Telegram webhook on a local Fastify, and the Bot API stand-in posting
 * to it. Not a test file (vitest only runs *.test.ts).
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { createIngressEngine } from "../../../bots/ingress/engine-adapter.js";
import { createIngress, type Ingress, type IngressOptions } from "../../../bots/ingress/ingress.js";
import { createIngressSealing } from "../../../bots/ingress/sealing.js";
import { createMessageLogWriter } from "../../../bots/telegram/message-log.js";
import { createTelegramWebhook, TELEGRAM_WEBHOOK_PATH } from "../../../bots/telegram/webhook.js";
import { createQueues, type Queues } from "../../../queues/queues.js";
import type { ConversationState } from "../../../src/intake/index.js";
import { createLogger, type Log } from "../../../src/log/index.js";
import { createRedis } from "../../../src/redis/connect.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../../stand-ins/telegram-bot-api.js";
import type { TestKeys } from "../../support/keys.js";

export const WEBHOOK_SECRET = "test_secret_0123456789_abcdefghijklmnop";
export const PUBLIC_WEBHOOK_URL = `https://intake.example.org${TELEGRAM_WEBHOOK_PATH}`;

export interface Rig {
  tg: TelegramStandIn;
  app: FastifyInstance;
  ingress: Ingress;
  queues: Queues;
  bull: Redis;
  log: Log;
  close(): Promise<void>;
}

/** The real ingress (real engine, real sealing) on the test prefix. */
export function makeIngress(options: {
  keys: TestKeys;
  redis: Redis;
  prefix: string;
  queues: Queues;
  log: Log;
  limits?: Partial<IngressOptions<ConversationState>["limits"]>;
}): Ingress {
  const ttlMs = 72 * 3600 * 1000;
  return createIngress<ConversationState>({
    redis: options.redis,
    prefix: options.prefix,
    queues: options.queues,
    sealing: createIngressSealing(options.keys.serve),
    engine: createIngressEngine({ ttlMs }),
    log: options.log,
    conversationTtlMs: ttlMs,
    limits: {
      perSenderPerMinute: 1000,
      intakesPerSenderPerDay: 1000,
      globalPerSecond: 10_000,
      ...options.limits,
    },
  });
}

export async function startRig(options: {
  keys: TestKeys;
  redis: Redis;
  url: string;
  prefix: string;
  limits?: Partial<IngressOptions<ConversationState>["limits"]>;
  log?: Log;
}): Promise<Rig> {
  const log = options.log ?? createLogger({ level: "silent" });
  const tg = await startTelegramStandIn({
    webhook: { url: PUBLIC_WEBHOOK_URL, secretToken: WEBHOOK_SECRET },
  });
  const bull = createRedis(options.url, "bullmq", "test-bull");
  const queues = createQueues(bull, options.prefix);
  const ingress = makeIngress({ ...options, queues, log });
  const app = Fastify({ logger: false });
  await app.register(
    createTelegramWebhook({
      token: tg.token,
      secretToken: WEBHOOK_SECRET,
      apiRoot: tg.apiRoot,
      ingress,
      lookup: options.keys.serve.lookup,
      messageLog: createMessageLogWriter({
        redis: options.redis,
        prefix: options.prefix,
        outbound: options.keys.serve.outbound,
      }),
      log,
    }),
  );
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  tg.routeWebhookTo(`${address}${TELEGRAM_WEBHOOK_PATH}`);
  return {
    tg,
    app,
    ingress,
    queues,
    bull,
    log,
    async close() {
      await ingress.idle();
      await app.close();
      await queues.close();
      await bull.quit();
      await tg.close();
    },
  };
}
