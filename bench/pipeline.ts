/**
 * The real service for the HTTP benches: `startRole` (the composition root of `intake serve|work|all`) on a
 * private Redis, a fresh database and real keys, talking to the Telegram and Twilio stand-ins.
 */
import type { AutocannonRequest } from "autocannon";
import { type Role, type RunningRole, startRole } from "../app/roles.js";
import { type Config, loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/log/index.js";
import {
  DEFAULT_TELEGRAM_TOKEN,
  startTelegramStandIn,
  type TelegramStandIn,
} from "../stand-ins/telegram-bot-api.js";
import { startTwilioStandIn, type TwilioStandIn } from "../stand-ins/twilio-api.js";
import { benchKeys, benchMongoUri, freePort, onCleanup, privateRedis } from "./support.js";

export const PUBLIC_BASE_URL = "https://intake.bench";
export const TELEGRAM_SECRET = "bench-webhook-secret-0123456789abcdef";
export const TWILIO_ACCOUNT_SID = `AC${"2".repeat(32)}`;
export const TWILIO_AUTH_TOKEN = "benchauthtoken0123456789abcdef00";
export const TWILIO_FROM = "+15005550006";

export interface BenchService {
  readonly app: RunningRole;
  readonly config: Config;
  readonly telegram: TelegramStandIn;
  readonly twilio: TwilioStandIn;
  readonly redisUrl: string;
  readonly mongoUri: string;
  readonly prefix: string;
}

/** Starts stand-ins and the role; everything is closed by `cleanup()`. */
export async function startService(
  options: {
    role?: Role;
    env?: Record<string, string>;
    telegramRateLimit?: { globalPerSecond: number; perChatPerSecond: number; perChatBurst: number };
    twilioSegmentsPerSecond?: number;
  } = {},
): Promise<BenchService> {
  const redis = await privateRedis();
  const mongoUri = benchMongoUri();
  const keys = await benchKeys();
  const port = await freePort();
  const local = `http://127.0.0.1:${port}`;
  const telegram = await startTelegramStandIn({
    webhook: { url: `${PUBLIC_BASE_URL}/webhooks/telegram`, secretToken: TELEGRAM_SECRET },
    deliverTo: `${local}/webhooks/telegram`,
    ...(options.telegramRateLimit ? { rateLimit: options.telegramRateLimit } : {}),
  });
  onCleanup(() => telegram.close());
  const twilio = await startTwilioStandIn({
    accountSid: TWILIO_ACCOUNT_SID,
    authToken: TWILIO_AUTH_TOKEN,
    publicBaseUrl: PUBLIC_BASE_URL,
    deliverTo: local,
    phoneNumber: TWILIO_FROM,
    callbackDelayMs: 0,
    ...(options.twilioSegmentsPerSecond
      ? { segmentsPerSecond: options.twilioSegmentsPerSecond, segmentBurst: options.twilioSegmentsPerSecond }
      : {}),
  });
  onCleanup(() => twilio.close());
  const prefix = "bench";
  const config = loadConfig({
    INTAKE_MODE: "demo",
    HOST: "127.0.0.1",
    PORT: String(port),
    PUBLIC_BASE_URL,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    MONGODB_URI: mongoUri,
    KEYS_DIR: keys.dir,
    TELEGRAM_BOT_TOKEN: DEFAULT_TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM,
    TWILIO_API_BASE: twilio.apiBase,
    LOG_LEVEL: "silent",
    RATE_PER_SENDER_PER_MINUTE: "10000",
    INTAKES_PER_SENDER_PER_DAY: "1000",
    RATE_GLOBAL_PER_SECOND: "100000",
    TWILIO_SEGMENTS_PER_SECOND: "1000",
    TELEGRAM_RATE_PER_SECOND: "1000",
    ...options.env,
  });
  const log = createLogger({ level: "silent" });
  const app = await startRole(options.role ?? "all", config, log);
  onCleanup(() => app.close());
  return { app, config, telegram, twilio, redisUrl: redis.url, mongoUri, prefix };
}

/**
 * An autocannon request that posts a fresh private-chat Telegram update on each call (next update_id, a new
 * user from `firstUserId` on), with the webhook secret. `counter` may be shared with other request kinds so
 * their ids interleave.
 */
export function telegramUpdateRequest(firstUserId: number, counter = { next: 1 }): AutocannonRequest {
  return {
    method: "POST",
    path: "/webhooks/telegram",
    setupRequest(request) {
      const n = counter.next++;
      const user = firstUserId + n;
      const update = {
        update_id: n,
        message: {
          message_id: n,
          date: Math.floor(Date.now() / 1000),
          chat: { id: user, type: "private", first_name: "A" },
          from: { id: user, is_bot: false, first_name: "A", language_code: "en" },
          text: "hello",
        },
      };
      return {
        ...request,
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET },
        body: JSON.stringify(update),
      };
    },
  };
}
