import { createServer } from "node:net";
import { Writable } from "node:stream";
import { afterAll } from "vitest";
import { type Role, type RunningRole, startRole } from "../../app/roles.js";
import { type Config, loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/log/index.js";
import {
  DEFAULT_TELEGRAM_TOKEN,
  startTelegramStandIn,
  type TelegramStandIn,
} from "../../stand-ins/telegram-bot-api.js";
import { startTwilioStandIn, type TwilioStandIn } from "../../stand-ins/twilio-api.js";
import { useTestMongo, useTestRedis } from "./isolation.js";
import { makeTestKeys, type TestKeys } from "./keys.js";

export const PUBLIC_BASE_URL = "https://intake.test";
export const TELEGRAM_SECRET = "test-webhook-secret-0123456789abcdef";
export const TWILIO_ACCOUNT_SID = `AC${"1".repeat(32)}`;
export const TWILIO_AUTH_TOKEN = "twilioauthtoken0123456789abcdef0";
export const TWILIO_FROM = "+15005550006";

export interface Pipeline {
  readonly app: RunningRole;
  readonly config: Config;
  readonly keys: TestKeys;
  readonly prefix: string;
  readonly mongoUri: string;
  readonly telegram: TelegramStandIn;
  readonly twilio: TwilioStandIn;
  /** Every line the app logged so far (for canary scans of logs). */
  logText(): string;
  /** Every key and value the app wrote to Redis, under its prefix. */
  redis: ReturnType<typeof useTestRedis>;
  mongo: ReturnType<typeof useTestMongo>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The whole service as `intake all` runs it (the real composition root), in demo mode, with this test file's
 * own Redis prefix, MongoDB database and key files, talking to the Telegram and Twilio stand-ins.
 * Call at the top level of a test file; everything is closed after the file.
 */
export async function startPipeline(
  options: { role?: Role; env?: Record<string, string> } = {},
): Promise<Pipeline> {
  const redis = useTestRedis();
  const mongo = useTestMongo();
  const keys = await makeTestKeys();
  const port = await freePort();
  const local = `http://127.0.0.1:${port}`;
  const polling = options.env?.TELEGRAM_MODE === "polling";
  const telegram = await startTelegramStandIn(
    polling
      ? {}
      : {
          webhook: { url: `${PUBLIC_BASE_URL}/webhooks/telegram`, secretToken: TELEGRAM_SECRET },
          // The full local URL: Telegram posts to the registered public URL, which the stand-in maps here.
          deliverTo: `${local}/webhooks/telegram`,
        },
  );
  const twilio = await startTwilioStandIn({
    accountSid: TWILIO_ACCOUNT_SID,
    authToken: TWILIO_AUTH_TOKEN,
    publicBaseUrl: PUBLIC_BASE_URL,
    deliverTo: local,
    phoneNumber: TWILIO_FROM,
  });
  const config = loadConfig({
    INTAKE_MODE: "demo",
    HOST: "127.0.0.1",
    PORT: String(port),
    PUBLIC_BASE_URL,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    MONGODB_URI: mongo.uri,
    KEYS_DIR: keys.dir,
    TELEGRAM_BOT_TOKEN: DEFAULT_TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM,
    TWILIO_API_BASE: twilio.apiBase,
    LOG_LEVEL: "debug",
    // Tests answer faster than a person can; the limits themselves are tested in the ingress tests.
    RATE_PER_SENDER_PER_MINUTE: "600",
    // A long code sends about 1 segment/s; the stand-in enforces nothing unless a test asks it to.
    TWILIO_SEGMENTS_PER_SECOND: "200",
    ...options.env,
  });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const log = createLogger({ level: config.logLevel, destination, base: { service: "intake" } });
  const app = await startRole(options.role ?? "all", config, log);
  afterAll(async () => {
    await app.close();
    await telegram.close();
    await twilio.close();
  });
  return {
    app,
    config,
    keys,
    prefix: redis.prefix,
    mongoUri: mongo.uri,
    telegram,
    twilio,
    logText: () => lines.join(""),
    redis,
    mongo,
  };
}
