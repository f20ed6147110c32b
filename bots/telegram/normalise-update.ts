import type { Message, Update } from "grammy/types";
import { type Keyring, lookupHash, lookupHashes } from "../../src/crypto/index.js";
import { parseCommand, withoutFormatCharacters } from "../../src/intake/index.js";
import type { Inbound, InboundBody } from "../../src/intake/messages.js";
import { decodeChoice } from "./callback-data.js";

/** Why an update was dropped; safe to log (no ids, no content). */
export type IgnoredReason = "not-private" | "no-sender" | "from-bot" | "unknown-update";

/** What one update becomes: an Inbound for the ingress (plus what the adapter itself needs), or nothing. */
export type NormalisedUpdate =
  | {
      kind: "inbound";
      inbound: Inbound;
      /** To answer the button press, so the client stops its spinner. */
      callbackQueryId?: string;
    }
  | { kind: "ignored"; reason: IgnoredReason; callbackQueryId?: string };

export interface NormaliseDeps {
  /** The bot's numeric id (the token's prefix): update_id is unique per bot only. */
  botId: number;
  /** Lookup keyring (ServeKeys.lookup): the sender becomes a keyed hash of the Telegram user id. */
  lookup: Keyring<Uint8Array>;
  now: number;
}

/** Kinds of content we do not take; only the kind's name reaches the engine, never the content. */
const unsupportedKinds = [
  "photo",
  "voice",
  "video",
  "video_note",
  "audio",
  "document",
  "animation",
  "sticker",
  "location",
  "venue",
  "contact",
  "poll",
  "dice",
  "game",
  "story",
  "paid_media",
  "invoice",
] as const;

const slashCommand = /^\/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+([\s\S]*))?$/;
const deepLinkPayload = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Text or a command. `/start` keeps its deep-link payload (t.me/bot?start=ar opens in Arabic); other
 * slash commands and command words in every language ("aide", "/wipe", "مساعدة") go through
 * `parseCommand`, shared with SMS. Unknown slash commands stay text, so the engine answers them.
 */
export function textBody(text: string): InboundBody {
  const slash = slashCommand.exec(withoutFormatCharacters(text).trim());
  if (slash && slash[1]?.toLowerCase() === "start") {
    const payload = slash[2]?.trim();
    return payload && deepLinkPayload.test(payload)
      ? { kind: "command", command: "start", payload }
      : { kind: "command", command: "start" };
  }
  const command = parseCommand(text);
  return command ? { kind: "command", command } : { kind: "text", text };
}

function messageBody(message: Message): InboundBody {
  if (typeof message.text === "string") return textBody(message.text);
  const what = unsupportedKinds.find((k) => (message as unknown as Record<string, unknown>)[k] !== undefined);
  // The caption of a photo or document is dropped with it: nothing of unsupported content is kept.
  return { kind: "unsupported", what: what ?? "other" };
}

/**
 * Turns one Telegram update into the channel-neutral Inbound: private chats only; the sender is the keyed
 * hash of the user id; the chat id stays only in `address` (held in memory, stored sealed); the provider
 * id is `<botId>:<update_id>`, so a redelivered update is applied once.
 */
export function normaliseUpdate(update: Update, deps: NormaliseDeps): NormalisedUpdate {
  const providerId = `${deps.botId}:${update.update_id}`;
  if (update.message) {
    const message = update.message;
    if (message.chat.type !== "private") return { kind: "ignored", reason: "not-private" };
    const from = message.from;
    if (!from) return { kind: "ignored", reason: "no-sender" };
    if (from.is_bot) return { kind: "ignored", reason: "from-bot" };
    return {
      kind: "inbound",
      inbound: {
        channel: "telegram",
        ...senderHashes(deps.lookup, String(from.id)),
        address: String(message.chat.id),
        providerId,
        chatMessageId: message.message_id,
        receivedAt: deps.now,
        body: messageBody(message),
      },
    };
  }
  if (update.callback_query) {
    const query = update.callback_query;
    const chat = query.message?.chat;
    if (chat?.type !== "private") {
      return { kind: "ignored", reason: "not-private", callbackQueryId: query.id };
    }
    if (query.from.is_bot) return { kind: "ignored", reason: "from-bot", callbackQueryId: query.id };
    const choice = decodeChoice(query.data);
    // Data we did not render (an old bot version, a game button): the engine answers as to any odd input.
    const body: InboundBody = choice
      ? { kind: "choice", stepId: choice.stepId, optionId: choice.optionId }
      : { kind: "unsupported", what: "button" };
    return {
      kind: "inbound",
      inbound: {
        channel: "telegram",
        ...senderHashes(deps.lookup, String(query.from.id)),
        address: String(chat.id),
        providerId,
        receivedAt: deps.now,
        body,
      },
      callbackQueryId: query.id,
    };
  }
  return { kind: "ignored", reason: "unknown-update" };
}

/** The sender's hash under the current lookup key, and under the previous epoch's (a conversation in progress). */
function senderHashes(
  lookup: NormaliseDeps["lookup"],
  userId: string,
): { sender: string; previousSenders?: string[] } {
  const [current, ...previous] = lookupHashes(lookup, "telegram", userId).map((h) => h.hash);
  const sender = current ?? lookupHash(lookup, "telegram", userId);
  return previous.length > 0 ? { sender, previousSenders: previous } : { sender };
}
