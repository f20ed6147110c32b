/**
 * The channel-neutral messages between channel adapters (bots/) and the intake engine (src/intake).
 * Adapters normalise whatever a channel sends into an `Inbound`, and render each `Reply` back.
 */

export type Channel = "telegram" | "sms";
export type Lang = "en" | "fr" | "es" | "ar" | "ru";
export const langs: readonly Lang[] = ["en", "fr", "es", "ar", "ru"];

/** Commands available at every step, in every language (adapters map words and /commands to these). */
export type CommandName =
  | "start"
  | "help"
  | "back"
  | "restart"
  | "language"
  | "delete"
  | "wipe"
  | "stop"
  | "unstop";

/** What the defender sent, already verified and normalised by the adapter. */
export type InboundBody =
  | { kind: "text"; text: string }
  /** A button press (Telegram callback data), carrying the option id the engine rendered. */
  | { kind: "choice"; stepId: string; optionId: string }
  | { kind: "command"; command: CommandName; payload?: string }
  /** Photo, voice, sticker, location...: nothing of it is kept, only that it arrived. */
  | { kind: "unsupported"; what: string };

export interface Inbound {
  channel: Channel;
  /** Keyed BLAKE2b hash of the sender's channel identity (E.164 number or Telegram user id). */
  sender: string;
  /**
   * The same identity hashed under the previous lookup epoch's key (docs/security.md): a conversation begun
   * before the epoch changed continues under the hash it started with.
   */
  previousSenders?: readonly string[];
  /**
   * The raw channel address (Telegram chat id, E.164 number). Held in memory only: it may be written
   * solely inside sealed or encrypted envelopes (conversation state, outbound jobs, the sealed intake).
   */
  address: string;
  /** Provider message id (Telegram update_id, Twilio MessageSid), used to apply each message once. */
  providerId: string;
  /**
   * The message's id in its chat (Telegram message_id), so /wipe can delete it later. Like `address`, it
   * is written only inside encrypted or sealed envelopes. Absent for SMS.
   */
  chatMessageId?: number;
  /** When it reached us, in ms since the epoch. */
  receivedAt: number;
  body: InboundBody;
}

export interface ReplyOption {
  id: string;
  label: string;
  /** For multi-select: whether this option is currently selected (rendered as a toggle). */
  selected?: boolean;
}

/** One message to the defender: localised text, and optional choices. */
export interface Reply {
  text: string;
  lang: Lang;
  choices?: {
    stepId: string;
    mode: "single" | "multiple";
    options: ReplyOption[];
    /** For multiple: the label of the button that finishes the selection. */
    doneLabel?: string;
    /**
     * The options repeat a numbered list the defender already received (the review summary): plain-text
     * channels show only the question, buttons still show every option.
     */
    numberedAbove?: boolean;
  };
  /** Ask the channel to delete this message after a delay (e.g. the wipe confirmation), in seconds. */
  ephemeralSeconds?: number;
}
