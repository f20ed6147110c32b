import type { Channel, Reply } from "../src/intake/messages.js";

/**
 * What an outbound job carries once opened by the sender worker (sealed to the outbound key, so only the
 * worker can read the address and the texts). The ingress, the staff browser and the worker share it.
 */
export type OutboundMessage =
  /** Messages to send in order. */
  | { kind: "replies"; channel: Channel; address: string; replies: Reply[] }
  /** Telegram panic wipe: delete every message of the chat younger than 48 h, then confirm ephemerally. */
  | { kind: "wipe"; channel: "telegram"; address: string; confirm: Reply }
  /** Delete given bot messages (ephemeral confirmations). */
  | { kind: "delete"; channel: "telegram"; address: string; messageIds: number[] };

/** The associated context an outbound envelope is bound to: its recipient and its place in their sequence. */
export function outboundContext(recipient: string, seq: string): string {
  return `outbound:${recipient}:${seq}`;
}
