import type twilio from "twilio";
import { type ChannelSender, SendError } from "../../queues/channel-sender.js";
import type { Reply } from "../../src/intake/messages.js";
import { renderSms, type SmsRenderOptions } from "./render.js";
import { createTwilioRest, TwilioRateLimited } from "./twilio-rest.js";

export interface SmsSenderOptions {
  accountSid: string;
  authToken: string;
  /** TWILIO_FROM: our number (E.164) or a Messaging Service SID (`MG...`). */
  from: string;
  /** TWILIO_API_BASE. */
  apiBase: string;
  /** `${PUBLIC_BASE_URL}/webhooks/twilio/status`, so delivery failures (30007...) are recorded. */
  statusCallbackUrl?: string;
  render?: SmsRenderOptions;
  /** A ready client (tests); default `createTwilioRest({ accountSid, authToken, apiBase })`. */
  client?: twilio.Twilio;
}

/** Twilio error codes that mean "this recipient does not want or cannot get our messages". */
const blockedCodes = new Set([21610]);

/**
 * Maps a failed Twilio call to a `SendError` kind the outbound worker acts on. Only the numeric code is
 * kept: Twilio's message text and the request (number, body) never reach an error or a log.
 */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  if (err instanceof TwilioRateLimited) {
    return new SendError("rate-limited", String(err.code), err.retryAfterMs ?? 1000);
  }
  const status = (err as { status?: unknown } | null)?.status;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof status === "number") {
    const id = typeof code === "number" ? String(code) : String(status);
    if (typeof code === "number" && blockedCodes.has(code)) return new SendError("blocked", id);
    if (status === 429 || code === 20429) return new SendError("rate-limited", id, 1000);
    if (status >= 500) return new SendError("transient", id);
    if (status >= 400) return new SendError("permanent", id);
  }
  // No HTTP answer: connection refused, reset, timeout (axios codes such as ECONNRESET).
  return new SendError(
    "transient",
    typeof code === "string" && /^[A-Z_]{2,32}$/.test(code) ? code : "network",
  );
}

/**
 * The SMS `ChannelSender`: renders a reply for a basic phone (numbered options, GSM-7 where possible,
 * long texts split at sentence boundaries) and sends each part, in order, through the official twilio
 * client. `cost()` is the reply's total segments, so the outbound worker paces per segment, per number.
 * Returns no message ids (there is no chat to wipe on SMS).
 */
export function createSmsSender(options: SmsSenderOptions): ChannelSender {
  const client =
    options.client ??
    createTwilioRest({
      accountSid: options.accountSid,
      authToken: options.authToken,
      apiBase: options.apiBase,
    });
  const sender = options.from.startsWith("MG")
    ? { messagingServiceSid: options.from }
    : { from: options.from };
  return {
    async send(address: string, reply: Reply) {
      for (const part of renderSms(reply, options.render)) {
        try {
          await client.messages.create({
            to: address,
            body: part.text,
            ...sender,
            ...(options.statusCallbackUrl ? { statusCallback: options.statusCallbackUrl } : {}),
          });
        } catch (err) {
          throw toSendError(err);
        }
      }
      return { messageIds: [] };
    },
    cost(reply: Reply) {
      return Math.max(
        1,
        renderSms(reply, options.render).reduce((sum, part) => sum + part.segments, 0),
      );
    },
  };
}
