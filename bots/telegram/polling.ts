import { Api, GrammyError } from "grammy";
import { botIdFromToken, createUpdateHandler, type UpdateHandlerOptions } from "./update-handler.js";

export interface TelegramPollingOptions extends Omit<UpdateHandlerOptions, "botId"> {
  token: string;
  apiRoot: string;
  /** Long-poll timeout in seconds (Telegram allows up to 50). */
  pollTimeoutSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface TelegramPolling {
  /** Stops after the current request; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/**
 * Long polling for local development (TELEGRAM_MODE=polling): a getUpdates loop feeding the same
 * normalisation and `ingress.accept` as the webhook. An update's offset is confirmed only once it was
 * accepted (or found a duplicate, limited or ignored); when the ingress is busy or fails, the loop waits
 * and asks for the same update again, so nothing is lost. (grammY's `bot.start()` would skip an update
 * whose handler threw.) Production uses the webhook.
 */
export function startTelegramPolling(options: TelegramPollingOptions): TelegramPolling {
  const api = new Api(options.token, { apiRoot: options.apiRoot });
  const handleUpdate = createUpdateHandler({ ...options, botId: botIdFromToken(options.token) });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeout = options.pollTimeoutSeconds ?? 25;
  const { log } = options;
  const abort = new AbortController();
  let offset: number | undefined;
  // An update that keeps failing (not "busy") is skipped after this many tries, so it cannot wedge the loop.
  const maxTries = 5;
  let failing: { updateId: number; tries: number } | undefined;

  async function loop(): Promise<void> {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const updates = await api.getUpdates(
          {
            ...(offset === undefined ? {} : { offset }),
            timeout,
            allowed_updates: ["message", "callback_query"],
          },
          abort.signal as Parameters<Api["getUpdates"]>[1],
        );
        for (const update of updates) {
          let outcome: Awaited<ReturnType<typeof handleUpdate>>;
          try {
            outcome = await handleUpdate(update, api);
          } catch (err) {
            const tries = failing?.updateId === update.update_id ? failing.tries + 1 : 1;
            failing = { updateId: update.update_id, tries };
            if (tries < maxTries) throw err;
            log.error("telegram.polling_update_skipped", { tries });
            outcome = "ignored";
          }
          if (outcome === "busy") throw new Error("busy");
          offset = update.update_id + 1;
        }
        failures = 0;
      } catch (err) {
        if (abort.signal.aborted) break;
        failures++;
        if (err instanceof GrammyError && err.error_code === 409) {
          // A webhook is set: polling would never see an update. Say so once per back-off.
          log.warn("telegram.polling_conflict", { code: 409 });
        } else {
          log.warn("telegram.polling_failed", { reason: err instanceof Error ? err.name : "unknown" });
        }
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  log.info("telegram.polling_started", { mode: "polling" });
  const running = loop();
  return {
    async stop() {
      abort.abort();
      await running;
    },
  };
}
