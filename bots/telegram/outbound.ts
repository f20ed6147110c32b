import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { OutboundMessage } from "../../queues/outbound-message.js";
import { createOutboundWorker } from "../../queues/outbound-worker.js";
import type { Pacer } from "../../queues/pacing.js";
import type { OutboundJob } from "../../queues/payloads.js";
import type { TypedQueue } from "../../queues/queues.js";
import { type BoxKeyPair, type Keyring, openOutbound } from "../../src/crypto/index.js";
import type { Log } from "../../src/log/index.js";
import { createMessageLog } from "./message-log.js";
import { createTelegramSender, type TelegramSender } from "./sender.js";
import { createTelegramWorkerHooks } from "./worker-hooks.js";

/** The pacing key of Telegram's global limit (about 30 messages per second per bot). */
export const TELEGRAM_PACE_KEY = "telegram";

export interface TelegramOutboundWorkerOptions {
  token: string;
  apiRoot: string;
  /** BullMQ connection (maxRetriesPerRequest: null). */
  connection: Redis;
  /** Command connection for the worker's own keys and the message log. */
  redis: Redis;
  prefix: string;
  /** The outbound-telegram queue (delayed deletions of ephemeral messages go here). */
  queue: TypedQueue<"outbound-telegram">;
  /** The work role's outbound key pair ring (WorkKeys.outbound). */
  outbound: Keyring<BoxKeyPair>;
  /** Cross-process pacer at TELEGRAM_RATE_PER_SECOND. */
  pacer: Pacer;
  log: Log;
  concurrency?: number;
  /** A sender of one's own (tests); default createTelegramSender({ token, apiRoot }). */
  sender?: TelegramSender;
}

/**
 * The Telegram sender worker, assembled: grammY sender, sealed message-id log, wipe and ephemeral-delete
 * hooks, on the channel-neutral outbound worker. The composition root starts one per `work` process.
 */
export function createTelegramOutboundWorker(options: TelegramOutboundWorkerOptions): Worker<OutboundJob> {
  const messageLog = createMessageLog({
    redis: options.redis,
    prefix: options.prefix,
    outbound: options.outbound,
  });
  const hooks = createTelegramWorkerHooks({
    messageLog,
    queue: options.queue,
    outbound: options.outbound,
  });
  return createOutboundWorker({
    channel: "telegram",
    connection: options.connection,
    redis: options.redis,
    prefix: options.prefix,
    sender: options.sender ?? createTelegramSender({ token: options.token, apiRoot: options.apiRoot }),
    open: (sealed, context) => JSON.parse(openOutbound(options.outbound, context, sealed)) as OutboundMessage,
    pacer: options.pacer,
    paceKey: TELEGRAM_PACE_KEY,
    log: options.log,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...hooks,
  });
}
