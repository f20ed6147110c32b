/**
 * A small Telegram test rig from the real parts: the ingress with the real engine and real keys on the
 * test Redis prefix, the queues, the Telegram webhook on a local Fastify, and the Bot API stand-in posting
 * to it. Not a test file (vitest only runs *.test.ts).
 */
import type { Worker } from "bullmq";
import Fastify, { type FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { createIngressEngine } from "../../../bots/ingress/engine-adapter.js";
import { createIngress, type Ingress, type IngressOptions } from "../../../bots/ingress/ingress.js";
import { createIngressSealing } from "../../../bots/ingress/sealing.js";
import { createMessageLogWriter, incomingIdRecorder } from "../../../bots/telegram/message-log.js";
import { createTelegramOutboundWorker } from "../../../bots/telegram/outbound.js";
import { createTelegramSender } from "../../../bots/telegram/sender.js";
import { createTelegramWebhook, TELEGRAM_WEBHOOK_PATH } from "../../../bots/telegram/webhook.js";
import { createPacer } from "../../../queues/pacing.js";
import type { OutboundJob } from "../../../queues/payloads.js";
import { createQueues, type Queues } from "../../../queues/queues.js";
import type { ConversationState } from "../../../src/intake/index.js";
import { createLogger, type Log } from "../../../src/log/index.js";
import { createRedis } from "../../../src/redis/connect.js";
import {
  startTelegramStandIn,
  type TelegramStandIn,
  type TelegramStoredMessage,
} from "../../../stand-ins/telegram-bot-api.js";
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
  /** The Telegram sender worker, when started with `worker: true`. */
  worker: Worker<OutboundJob> | undefined;
  /** How long each webhook request took (ms), for diagnostics; tests assert no timings. */
  webhookMs: number[];
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
    // As the composition root wires it: incoming message ids for /wipe, recorded when applied.
    beforeApply: incomingIdRecorder(
      createMessageLogWriter({
        redis: options.redis,
        prefix: options.prefix,
        outbound: options.keys.serve.outbound,
      }),
    ),
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
  /** Also run the real outbound worker with the Telegram sender against the stand-in. */
  worker?: boolean;
  ratePerSecond?: number;
  concurrency?: number;
}): Promise<Rig> {
  const log = options.log ?? createLogger({ level: "silent" });
  const tg = await startTelegramStandIn({
    webhook: { url: PUBLIC_WEBHOOK_URL, secretToken: WEBHOOK_SECRET },
  });
  const bull = createRedis(options.url, "bullmq", "test-bull");
  const queues = createQueues(bull, options.prefix);
  const ingress = makeIngress({ ...options, queues, log });
  const app = Fastify({ logger: false });
  const webhookMs: number[] = [];
  app.addHook("onResponse", async (_request, reply) => {
    webhookMs.push(reply.elapsedTime);
  });
  await app.register(
    createTelegramWebhook({
      token: tg.token,
      secretToken: WEBHOOK_SECRET,
      apiRoot: tg.apiRoot,
      ingress,
      lookup: options.keys.serve.lookup,
      log,
    }),
  );
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  tg.routeWebhookTo(`${address}${TELEGRAM_WEBHOOK_PATH}`);
  const workerBull = options.worker ? createRedis(options.url, "bullmq", "test-worker") : undefined;
  const worker = workerBull
    ? createTelegramOutboundWorker({
        token: tg.token,
        apiRoot: tg.apiRoot,
        connection: workerBull,
        redis: options.redis,
        prefix: options.prefix,
        queue: queues["outbound-telegram"],
        outbound: options.keys.work.outbound,
        pacer: createPacer({
          redis: options.redis,
          prefix: options.prefix,
          ratePerSecond: options.ratePerSecond ?? 500,
          burst: 50,
        }),
        log,
        concurrency: options.concurrency ?? 32,
        // The test machine runs everything (stand-in included) on one busy event loop; a client timeout
        // there would be an artefact (the call reached the stand-in), so allow far longer than production.
        sender: createTelegramSender({ token: tg.token, apiRoot: tg.apiRoot, timeoutSeconds: 120 }),
      })
    : undefined;
  return {
    tg,
    app,
    ingress,
    queues,
    bull,
    log,
    worker,
    webhookMs,
    async close() {
      await ingress.idle();
      await worker?.close();
      await workerBull?.quit();
      await app.close();
      await queues.close();
      await bull.quit();
      await tg.close();
    },
  };
}

/** The shared canary dump (test/support/canary.ts), re-exported for the Telegram tests. */
export { dumpRedis } from "../../support/canary.js";

/**
 * Waits (bounded) until every accepted message was applied and every outbound job that is due was sent;
 * delayed jobs (ephemeral deletions) are left alone.
 */
export async function settle(rig: Rig, rounds = 2000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await rig.ingress.idle();
    const counts = await rig.queues["outbound-telegram"].getJobCounts("waiting", "active", "prioritized");
    if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0) {
      await rig.ingress.idle();
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the pipeline did not settle");
}

/** A scripted defender for full intakes: planned answers to text prompts, and which buttons to press. */
export const FIRST_NAME = "Zarifacanary";
export const ANSWERS: Array<[RegExp, string]> = [
  [/^What name should we use/, "Nadiracanary Qx"],
  [/^Which country are you in now/, "Kenya"],
  [/^Which city or area/, "Canaryville-east"],
  [/^What is your nationality/, "Kenya"],
  [/^In a few words, what do you do/, "canarywork radio reporter"],
  [/^In a few words, what happened/, "canarythreat men followed me"],
  [/^Since when/, "3 weeks"],
  [/^How many family members/, "2"],
  [/^How and when is it safe/, "canarycontact evenings"],
];
export const REFERENCE = /\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})\b/;

export interface Button {
  text: string;
  callback_data: string;
}

export function buttonsOf(message: TelegramStoredMessage | undefined): Button[] {
  const markup = message?.reply_markup as { inline_keyboard?: Button[][] } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

const singleChoices: Record<string, string> = {
  language: "en",
  consent: "yes",
  danger_now: "no",
  family_at_risk: "yes",
  contact_safe: "yes",
  review: "send",
};

/** What a defender presses: the planned option, or the first; multi-select: the first, then Done. */
export function pick(buttons: Button[]): string {
  const done = buttons.find((b) => b.callback_data.endsWith("|__done"));
  if (done)
    return buttons.some((b) => b.text.startsWith("✓"))
      ? done.callback_data
      : (buttons[0]?.callback_data ?? "");
  const stepId = buttons[0]?.callback_data.split("|")[1] ?? "";
  const planned = singleChoices[stepId];
  const button = buttons.find((b) => planned !== undefined && b.callback_data === `c|${stepId}|${planned}`);
  return (button ?? buttons[0])?.callback_data ?? "";
}
