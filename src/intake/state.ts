import type { Answers } from "./flow.js";
import type { Channel, Lang } from "./messages.js";

/**
 * One defender's conversation between messages. Plain JSON only: the ingress encrypts it and keeps it
 * in Redis under the sender's lookup hash, with the conversation TTL.
 */
export interface ConversationState {
  v: 1;
  flowVersion: string;
  lang: Lang;
  /** The step being asked (its id). */
  step: string;
  answers: Answers;
  /** Question steps already passed, newest last, for `back`. */
  history: string[];
  /** Invalid answers in a row at the current step; at 3 the re-prompt offers help. */
  invalidCount: number;
  startedAt: number;
  lastActivityAt: number;
  reminderSentAt: number | null;
  /** Fixed when the state is created, so replaying the same input gives the same intake. */
  intakeId: string;
  channel: Channel;
  /** Lookup hash of the sender (never the raw identity). */
  sender: string;
  /** Raw channel address; this state is stored encrypted only. */
  replyAddress: string;
  /** A question asked on top of the current step. */
  pending: PendingQuestion | null;
  /** Options toggled so far by buttons at a multiple-choice step. */
  draft: string[] | null;
  /** Changing an answer from the review: after it, go back to the review. */
  reviewing: boolean;
  /** The defender sent an SMS opt-out keyword: no replies until START. */
  optedOut: boolean;
}

/** A question on top of the current step: confirm erasure, pick a language, pick an answer to change. */
export type PendingQuestion = { kind: "confirm-delete" } | { kind: "language" } | { kind: "review-pick" };
