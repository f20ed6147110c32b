/**
 * What the ingress keeps per conversation, encrypted under the state key with the sender hash as context:
 * the engine's state plus the ingress's own bookkeeping.
 */
export interface ConversationRecord<S> {
  v: 1;
  /** The engine's state, or null once the conversation ended (completed or erased). */
  engine: S | null;
  /**
   * Sequence of the last inbox entry applied (its stream id, or just after the previous one if Redis's
   * clock stepped back): reply jobs take it as their sequence, so they stay ordered per recipient.
   */
  lastEntryId: string;
  /** Sequence of the last outbound job, so the sender worker keeps this recipient's messages in order. */
  lastOutSeq?: string;
  /** When the last message arrived (ms), for reminders and expiry. */
  lastActivityAt: number;
}
