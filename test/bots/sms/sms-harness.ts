/**
 * A minimal SMS pipeline from the real parts, for the SMS tests: the Twilio stand-in, a Fastify server with
 * the SMS webhooks, the real ingress (real keys, real Redis, real engine with the default flow), the real
 * BullMQ queues and the SMS outbound worker with the real sender. No screening worker: tests count the
 * screening jobs instead.
 */

import type { Worker } from "bullmq";
import Fastify, { type FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { createIngressEngine } from "../../../bots/ingress/engine-adapter.js";
import { createIngress, type Ingress } from "../../../bots/ingress/ingress.js";
import { createIngressSealing } from "../../../bots/ingress/sealing.js";
import { createSmsSender } from "../../../bots/sms/sender.js";
import { createTwilioRest } from "../../../bots/sms/twilio-rest.js";
import { createSmsWebhook, type SmsWebhookPlugin, twilioMessageDeleter } from "../../../bots/sms/webhook.js";
import type { OutboundMessage } from "../../../queues/outbound-message.js";
import { createOutboundWorker } from "../../../queues/outbound-worker.js";
import { createPacer } from "../../../queues/pacing.js";
import { createQueues, type Queues } from "../../../queues/queues.js";
import { openOutbound } from "../../../src/crypto/index.js";
import type { ConversationState } from "../../../src/intake/index.js";
import { createLogger, type Log } from "../../../src/log/index.js";
import { startTwilioStandIn, type TwilioStandIn } from "../../../stand-ins/twilio-api.js";
import type { TestKeys } from "../../support/keys.js";

export const ACCOUNT = `AC${"0123456789abcdef".repeat(2)}`;
export const TOKEN = "sms-test-auth-token-0123456789ab";
export const OUR_NUMBER = "+15005550006";
export const PUBLIC = "https://intake.example.org";

const conversationTtlMs = 72 * 3600_000;

export interface SmsHarness {
  tw: TwilioStandIn;
  app: FastifyInstance;
  webhook: SmsWebhookPlugin;
  ingress: Ingress;
  queues: Queues;
  worker?: Worker;
  redis: Redis;
  log: Log;
  /** MessageSids deleted at Twilio (or already gone there), with deleteAfterIngest. */
  deleted: string[];
  /** Waits until every accepted message is applied and every outbound job has run. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  keys: TestKeys;
  redisUrl: string;
  prefix: string;
  /** Start the SMS outbound worker (default true). */
  worker?: boolean;
  deleteAfterIngest?: boolean;
  log?: Log;
}

export async function startSmsHarness(options: HarnessOptions): Promise<SmsHarness> {
  const { keys, prefix } = options;
  const log = options.log ?? createLogger({ level: "silent" });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  const bull = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queues = createQueues(bull, prefix);
  const ingress = createIngress<ConversationState>({
    redis,
    prefix,
    queues,
    sealing: createIngressSealing(keys.serve),
    engine: createIngressEngine({ ttlMs: conversationTtlMs }),
    log,
    conversationTtlMs,
    limits: { perSenderPerMinute: 1000, intakesPerSenderPerDay: 100, globalPerSecond: 10_000 },
  });

  const app = Fastify({ logger: false });
  // The stand-in needs its API base before the webhook can delete at Twilio, and the app's address
  // before it can deliver: start the app first on a port, then the stand-in pointed at it.
  let tw: TwilioStandIn | undefined;
  const deleted: string[] = [];
  const webhook = createSmsWebhook({
    authToken: TOKEN,
    publicBaseUrl: PUBLIC,
    ingress,
    lookup: keys.serve.lookup,
    log,
    redis,
    prefix,
    deleteRetryDelaysMs: [0, 50, 200],
    ...(options.deleteAfterIngest
      ? {
          deleteMessage: async (sid: string) => {
            if (!tw) throw new Error("stand-in not started");
            const client = createTwilioRest({ accountSid: ACCOUNT, authToken: TOKEN, apiBase: tw.apiBase });
            try {
              await twilioMessageDeleter(client)(sid);
              deleted.push(sid);
            } catch (err) {
              if ((err as { status?: unknown }).status === 404) deleted.push(sid);
              throw err;
            }
          },
        }
      : {}),
  });
  await app.register(webhook);
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  tw = await startTwilioStandIn({
    accountSid: ACCOUNT,
    authToken: TOKEN,
    publicBaseUrl: PUBLIC,
    deliverTo: base,
    phoneNumber: OUR_NUMBER,
  });
  const standIn = tw;

  let worker: Worker | undefined;
  const workerRedis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  if (options.worker !== false) {
    worker = createOutboundWorker({
      channel: "sms",
      connection: workerRedis,
      redis,
      prefix,
      sender: createSmsSender({
        accountSid: ACCOUNT,
        authToken: TOKEN,
        from: OUR_NUMBER,
        apiBase: standIn.apiBase,
        statusCallbackUrl: `${PUBLIC}/webhooks/twilio/status`,
      }),
      open: (sealed, context) =>
        JSON.parse(openOutbound(keys.work.outbound, context, sealed)) as OutboundMessage,
      pacer: createPacer({ redis, prefix, ratePerSecond: 1000, burst: 1000 }),
      paceKey: OUR_NUMBER,
      log,
      orderWaitMs: 5_000,
    });
  }

  async function settle() {
    for (let round = 0; round < 400; round++) {
      await ingress.idle();
      const counts = await queues["outbound-sms"].getJobCounts("waiting", "active", "delayed", "prioritized");
      const busy = Object.values(counts).reduce((a, b) => a + b, 0);
      if (busy === 0 || !worker) {
        await standIn.settled();
        await webhook.idle();
        await ingress.idle();
        const again = await queues["outbound-sms"].getJobCounts(
          "waiting",
          "active",
          "delayed",
          "prioritized",
        );
        if (Object.values(again).reduce((a, b) => a + b, 0) === 0 || !worker) return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("SMS harness did not settle");
  }

  return {
    tw: standIn,
    app,
    webhook,
    ingress,
    queues,
    ...(worker ? { worker } : {}),
    redis,
    log,
    deleted,
    settle,
    async close() {
      await worker?.close();
      await standIn.close();
      await app.close();
      await webhook.idle();
      await ingress.idle();
      await queues.close();
      await Promise.all([redis.quit(), bull.quit(), workerRedis.quit()]);
    },
  };
}
