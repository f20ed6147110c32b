import type { Reply } from "../src/intake/messages.js";

/**
 * How the outbound worker talks to one channel. Implemented in bots/ (grammY for Telegram, the twilio
 * client for SMS) and passed in by the composition root, so queues/ never imports a channel.
 */
export interface ChannelSender {
  /** Sends one reply; returns provider message ids (Telegram) so they can be wiped later. */
  send(address: string, reply: Reply): Promise<{ messageIds: number[] }>;
  /** Deletes bot and user messages (Telegram only). */
  deleteMessages?(address: string, messageIds: number[]): Promise<void>;
  /** Pacing cost of one reply in units of the channel's rate (SMS: segments; Telegram: messages). */
  cost(reply: Reply): number;
}

/**
 * How a sender reports a failure: a kind the worker acts on, never the provider's text (which may quote
 * the message). `retryAfterMs` comes from Telegram's retry_after or Twilio's 20429. A `rate-limited` error
 * means nothing of the reply went out: the worker returns its pacing slot and sends the whole reply again.
 */
export class SendError extends Error {
  override readonly name = "SendError";
  constructor(
    readonly kind: "rate-limited" | "blocked" | "transient" | "permanent",
    readonly code: string,
    readonly retryAfterMs?: number,
  ) {
    super(`send failed: ${kind} (${code})`);
  }
}
