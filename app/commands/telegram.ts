import { parseArgs } from "node:util";
import { Api, GrammyError, HttpError } from "grammy";
import { TELEGRAM_WEBHOOK_PATH } from "../../bots/telegram/webhook.js";
import { loadConfigOrReport } from "./roles.js";
import type { Command, CommandIo } from "./types.js";

const usage = `usage: intake telegram set-webhook [--max-connections N] [--drop-pending-updates]

Registers PUBLIC_BASE_URL${TELEGRAM_WEBHOOK_PATH} as the bot's webhook with TELEGRAM_WEBHOOK_SECRET as its
secret token and allowed_updates ["message", "callback_query"] (nothing else is ever delivered).
--max-connections: parallel deliveries Telegram may make, 1-100 (default 40).
--drop-pending-updates: discard updates Telegram holds (default: keep them, so no message is lost).`;

/** `intake telegram set-webhook`: points Telegram at this deployment, with the secret the webhook checks. */
export const telegramSetWebhookCommand: Command = {
  path: ["telegram", "set-webhook"],
  summary: "Register PUBLIC_BASE_URL/webhooks/telegram with Telegram (secret token, allowed updates)",
  usage,
  async run(io: CommandIo) {
    let values: { "max-connections"?: string; "drop-pending-updates"?: boolean };
    try {
      ({ values } = parseArgs({
        args: [...io.args],
        options: {
          "max-connections": { type: "string" },
          "drop-pending-updates": { type: "boolean" },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch {
      io.stderr(usage);
      return 2;
    }
    const maxConnections = Number(values["max-connections"] ?? 40);
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 100) {
      io.stderr("intake telegram set-webhook: --max-connections must be an integer from 1 to 100");
      return 2;
    }
    const config = loadConfigOrReport(io);
    if (!config) return 2;
    if (!config.telegram.enabled) {
      io.stderr("intake telegram set-webhook: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first");
      return 2;
    }
    if (config.telegram.mode === "polling") {
      io.stderr("intake telegram set-webhook: TELEGRAM_MODE is polling; a webhook would stop getUpdates");
      return 2;
    }
    const url = `${config.http.publicBaseUrl}${TELEGRAM_WEBHOOK_PATH}`;
    const api = new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot });
    try {
      await api.setWebhook(url, {
        secret_token: config.telegram.webhookSecret,
        allowed_updates: ["message", "callback_query"],
        max_connections: maxConnections,
        drop_pending_updates: values["drop-pending-updates"] === true,
      });
      const info = await api.getWebhookInfo();
      io.stdout(`intake telegram set-webhook: webhook set to ${url}`);
      io.stdout(`  pending updates: ${info.pending_update_count}, max connections: ${maxConnections}`);
      return 0;
    } catch (err) {
      // Telegram's description says what is wrong (bad URL, bad token); it carries no defender data.
      if (err instanceof GrammyError)
        io.stderr(`intake telegram set-webhook: Telegram refused: ${err.description}`);
      else if (err instanceof HttpError) io.stderr("intake telegram set-webhook: cannot reach the Bot API");
      else throw err;
      return 1;
    }
  },
};
