import { Api, GrammyError, HttpError } from "grammy";
import { type ChannelSender, SendError } from "../../queues/channel-sender.js";
import type { Reply } from "../../src/intake/messages.js";
import { renderReply } from "./render-reply.js";

/** Telegram's limit on ids per deleteMessages call. */
export const DELETE_BATCH = 100;

export interface TelegramSenderOptions {
  token: string;
  /** Bot API root (TELEGRAM_API_ROOT); the stand-in in tests and the demo. */
  apiRoot: string;
  /**
   * Client-side timeout per call, in seconds (default 20; grammY's own is 500). A hung connection then fails
   * the attempt and the job retries, instead of holding that recipient's queue for minutes.
   */
  timeoutSeconds?: number;
  /** Waits inside a multi-part send or a wipe when Telegram says retry_after (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

/** The Telegram ChannelSender, with deleteMessages always present (the wipe needs it). */
export type TelegramSender = ChannelSender & {
  deleteMessages(address: string, messageIds: number[]): Promise<void>;
};

/**
 * Maps a grammY failure to a content-free SendError. GrammyError's message and payload quote the chat id
 * and the text we sent, so only the numeric code survives: 429 → rate-limited (with retry_after), 403 →
 * blocked (the defender blocked the bot or deleted the chat), 5xx and network failures (HttpError) →
 * transient, any other 4xx → permanent.
 */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  if (err instanceof GrammyError) {
    const code = err.error_code;
    if (code === 429) {
      const seconds = err.parameters?.retry_after;
      return new SendError("rate-limited", "429", typeof seconds === "number" ? seconds * 1000 : 1000);
    }
    if (code === 403) return new SendError("blocked", "403");
    if (code >= 500) return new SendError("transient", String(code));
    if (code >= 400) return new SendError("permanent", String(code));
    return new SendError("transient", String(code));
  }
  if (err instanceof HttpError) return new SendError("transient", "network");
  return new SendError("transient", "unknown");
}

const MAX_INNER_RETRIES = 5;
const RETRY_MARGIN_MS = 50;

/**
 * Sends replies and deletes messages through grammY's Api. Plain text only: no parse_mode is ever set,
 * so a defender's words quoted back (the review) cannot inject markup or links; link previews are off.
 */
export function createTelegramSender(options: TelegramSenderOptions): TelegramSender {
  const api = new Api(options.token, {
    apiRoot: options.apiRoot,
    timeoutSeconds: options.timeoutSeconds ?? 20,
  });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  /** Retries a call after retry_after (bounded); any other failure becomes a SendError at once. */
  async function honouringRetryAfter<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const mapped = toSendError(err);
        if (mapped.kind !== "rate-limited" || attempt >= MAX_INNER_RETRIES) throw mapped;
        // A small margin: a timer may fire a millisecond early, and Telegram counts from its own clock.
        await sleep((mapped.retryAfterMs ?? 1000) + RETRY_MARGIN_MS);
      }
    }
  }

  async function send(address: string, reply: Reply): Promise<{ messageIds: number[] }> {
    let parts: ReturnType<typeof renderReply>;
    try {
      parts = renderReply(reply);
    } catch {
      throw new SendError("permanent", "render");
    }
    const messageIds: number[] = [];
    for (const [i, part] of parts.entries()) {
      const call = () =>
        api.sendMessage(address, part.text, {
          ...(part.reply_markup ? { reply_markup: part.reply_markup } : {}),
          link_preview_options: { is_disabled: true },
        });
      try {
        // The first part's 429 goes back to the worker, which pauses this recipient in every process.
        // Later parts wait here instead: throwing would make the worker resend the parts already sent.
        const message = i === 0 ? await call() : await honouringRetryAfter(call);
        messageIds.push(message.message_id);
      } catch (err) {
        throw toSendError(err);
      }
    }
    return { messageIds };
  }

  async function deleteOne(address: string, id: number): Promise<void> {
    try {
      await honouringRetryAfter(() => api.deleteMessage(address, id));
    } catch (err) {
      // Already gone, or older than 48 hours: nothing left to delete.
      if (err instanceof SendError && err.kind === "permanent") return;
      throw err;
    }
  }

  async function deleteMessages(address: string, messageIds: number[]): Promise<void> {
    const ids = [...new Set(messageIds)];
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      const batch = ids.slice(i, i + DELETE_BATCH);
      try {
        await honouringRetryAfter(() => api.deleteMessages(address, batch));
      } catch (err) {
        if (!(err instanceof SendError) || err.kind !== "permanent") throw err;
        if (err.code === "404") {
          // A Bot API server without deleteMessages (before 7.0): one call per message.
          for (const id of batch) await deleteOne(address, id);
        }
        // 400: none of this batch could be deleted (already deleted, or older than 48 hours).
      }
    }
  }

  return {
    send,
    deleteMessages,
    cost(reply) {
      try {
        return renderReply(reply).length;
      } catch {
        return 1;
      }
    },
  };
}
