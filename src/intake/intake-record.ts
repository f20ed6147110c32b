import type { Answers } from "./flow.js";
import type { Channel, Lang } from "./messages.js";

/**
 * The completed intake, as docs/intake-record.md defines it. The ingress seals it to the intake key;
 * only the screening worker opens it.
 */
export interface IntakeRecord {
  v: 1;
  intakeId: string;
  /** `XXXX-XXXX`, Crockford base32, derived from `intakeId`. */
  reference: string;
  flowVersion: string;
  consentVersion: string;
  lang: Lang;
  channel: Channel;
  /** Lookup hash of the sender (base64url). */
  sender: string;
  /** Chat id or E.164 number: only ever inside the sealed intake. */
  replyAddress: string;
  /** UTC day (YYYY-MM-DD) only: the exact time is not kept. */
  startedDay: string;
  completedDay: string;
  /** By step id; steps not asked are absent. */
  answers: Answers;
}

/** What the engine asks its caller to do besides replying. */
export type Effect =
  | { type: "complete"; intake: IntakeRecord }
  /** The defender confirmed: erase the conversation and everything held for this sender. */
  | { type: "erase" }
  /** Telegram /wipe: delete both sides of the chat (within Telegram's 48 hours). */
  | { type: "wipe-chat" }
  /** SMS opt-out keyword: send nothing more to this number until opt-in. */
  | { type: "opt-out" }
  | { type: "opt-in" };

/** UTC calendar day of a timestamp. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
