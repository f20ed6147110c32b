import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { Keyring } from "../../src/crypto/index.js";
import type { Log } from "../../src/log/index.js";
import type { AcceptResult, Ingress } from "../ingress/ingress.js";
import { normaliseUpdate } from "./normalise-update.js";

export interface UpdateHandlerOptions {
  ingress: Pick<Ingress, "accept">;
  /** Lookup keyring (ServeKeys.lookup). */
  lookup: Keyring<Uint8Array>;
  botId: number;
  log: Log;
  clock?: () => number;
}

/** What happened to one update. "busy" means: do not acknowledge, let Telegram deliver it again. */
export type UpdateOutcome = AcceptResult | "ignored";

/** Thrown from the webhook middleware when the ingress is busy, so the route answers 429. */
export class IngressBusyError extends Error {
  override readonly name = "IngressBusyError";
  constructor() {
    super("ingress busy; Telegram will redeliver");
  }
}

/** The bot's numeric id, from its token (`<id>:<secret>`), without a getMe call. */
export function botIdFromToken(token: string): number {
  const match = /^(\d{1,20}):[A-Za-z0-9_-]+$/.exec(token);
  if (!match?.[1]) throw new Error("TELEGRAM_BOT_TOKEN does not look like <bot id>:<secret>");
  return Number(match[1]);
}

/**
 * One update in, as fast as possible: normalise, hand it to the ingress (which stores it durably and
 * applies it in the background), answer a button press. Nothing here waits for the engine or for sending,
 * so the webhook acknowledges in milliseconds. The incoming message id for /wipe travels inside the
 * encrypted inbox entry and is recorded when the entry is applied (`incomingIdRecorder`).
 */
export function createUpdateHandler(options: UpdateHandlerOptions) {
  const clock = options.clock ?? Date.now;
  const { log } = options;

  function answerCallback(api: Api, id: string) {
    // Fire and forget: the spinner on the button is cosmetic, and waiting for Telegram here would delay
    // the acknowledgement. It is answered directly rather than through the outbound queue so it is not
    // paced behind other chats' messages (Telegram expects an answer within seconds).
    api.answerCallbackQuery(id).catch((err: unknown) => {
      const code = (err as { error_code?: unknown }).error_code;
      log.warn("telegram.callback_answer_failed", { code: typeof code === "number" ? code : 0 });
    });
  }

  return async function handleUpdate(update: Update, api: Api): Promise<UpdateOutcome> {
    const normalised = normaliseUpdate(update, {
      botId: options.botId,
      lookup: options.lookup,
      now: clock(),
    });
    if (normalised.kind === "ignored") {
      log.info("telegram.update_ignored", { reason: normalised.reason });
      if (normalised.callbackQueryId) answerCallback(api, normalised.callbackQueryId);
      return "ignored";
    }
    const { inbound } = normalised;
    const result = await options.ingress.accept(inbound);
    if (result !== "busy" && normalised.callbackQueryId) answerCallback(api, normalised.callbackQueryId);
    if (result !== "accepted") log.info("telegram.update_not_accepted", { status: result });
    return result;
  };
}

export type UpdateHandler = ReturnType<typeof createUpdateHandler>;
