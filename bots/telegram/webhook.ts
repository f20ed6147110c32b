import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Bot, BotError, webhookCallback } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { AppError } from "../../src/errors/app-error.js";
import {
  botIdFromToken,
  createUpdateHandler,
  IngressBusyError,
  type UpdateHandlerOptions,
} from "./update-handler.js";
import { isUpdateShape } from "./update-shape.js";

/** The webhook path Telegram posts to (set with `intake telegram set-webhook`). */
export const TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram";
/**
 * Updates are small (a message of at most 4096 characters plus its metadata, or a callback query);
 * anything much larger is not from Telegram.
 */
export const TELEGRAM_WEBHOOK_BODY_LIMIT = 128 * 1024;

export interface TelegramWebhookOptions extends Omit<UpdateHandlerOptions, "botId"> {
  token: string;
  /** TELEGRAM_WEBHOOK_SECRET: compared (constant time) with X-Telegram-Bot-Api-Secret-Token. */
  secretToken: string;
  /** TELEGRAM_API_ROOT, for answering button presses and getMe. */
  apiRoot: string;
  /** Known bot info, to skip the getMe call on the first update (tests). */
  botInfo?: UserFromGetMe;
}

/**
 * The Telegram webhook as a Fastify plugin: `POST /webhooks/telegram` through grammY's fastify adapter with
 * the secret token (401 and nothing processed on a missing or wrong header), a small body limit, and one
 * middleware that only normalises and calls `ingress.accept`. "busy" answers 429 so Telegram redelivers;
 * any failure answers 500 (Telegram redelivers too) and is logged without content.
 * Refuses to build without a secret: grammY would then accept anyone's updates.
 */
export function createTelegramWebhook(
  options: TelegramWebhookOptions,
): (app: FastifyInstance) => Promise<void> {
  if (!options.secretToken || !/^[A-Za-z0-9_-]{1,256}$/.test(options.secretToken)) {
    throw new AppError("CONFIG_INVALID", {
      detail: "TELEGRAM_WEBHOOK_SECRET is required for the Telegram webhook (1-256 of A-Z a-z 0-9 _ -)",
    });
  }
  const botId = botIdFromToken(options.token);
  const handleUpdate = createUpdateHandler({ ...options, botId });
  const bot = new Bot(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: { apiRoot: options.apiRoot, timeoutSeconds: 10 },
  });
  bot.use(async (ctx) => {
    const outcome = await handleUpdate(ctx.update, ctx.api);
    if (outcome === "busy") throw new IngressBusyError();
  });
  const callback = webhookCallback(bot, "fastify", {
    secretToken: options.secretToken,
    // Accepting takes milliseconds; if Redis hangs, fail well before Telegram's own timeout so it redelivers.
    onTimeout: "throw",
    timeoutMilliseconds: 8_000,
  });
  const { log } = options;
  const expected = Buffer.from(options.secretToken);
  const secretMatches = (header: unknown): boolean => {
    if (typeof header !== "string") return false;
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return async function telegramWebhook(app: FastifyInstance): Promise<void> {
    app.post(TELEGRAM_WEBHOOK_PATH, { bodyLimit: TELEGRAM_WEBHOOK_BODY_LIMIT }, async (request, reply) => {
      // The secret first, so an unauthenticated caller learns nothing about how its body was judged;
      // then the shape, so a body that is not an Update is a 400 rather than a failure deeper in.
      if (!secretMatches(request.headers["x-telegram-bot-api-secret-token"])) {
        return reply.code(401).send({ error: "WEBHOOK_UNAUTHORIZED" });
      }
      if (!isUpdateShape(request.body)) return reply.code(400).send({ error: "BAD_REQUEST" });
      try {
        await callback(request, reply);
      } catch (err) {
        const cause = err instanceof BotError ? err.error : err;
        if (cause instanceof IngressBusyError) {
          return reply.code(429).header("retry-after", "1").send({ error: "RATE_LIMITED" });
        }
        // The update and grammY's error messages may quote the message: log only the error's class.
        log.error("telegram.webhook_failed", { reason: cause instanceof Error ? cause.name : "unknown" });
        return reply.code(500).send({ error: "INTERNAL" });
      }
      return reply;
    });
  };
}
