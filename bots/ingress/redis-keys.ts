import { optOutKey } from "../../queues/outbound-worker.js";
/**
 * Every Redis key the ingress writes, in one place. Keys carry only keyed hashes (never a phone number or
 * chat id); values are ciphertext or counters.
 */
export function ingressKeys(prefix: string) {
  const p = `${prefix}:in`;
  return {
    /**
     * Provider message ids already accepted from one sender (sorted set: keyed hash -> arrival ms), kept
     * longer than providers redeliver (48 h+). One set per sender instead of a key per message: a third of
     * the memory.
     */
    seen: (sender: string) => `${p}:seen:${sender}`,
    /** Stream of encrypted inbound entries of one conversation, applied in order then deleted. */
    inbox: (sender: string) => `${p}:inbox:${sender}`,
    /** Encrypted conversation state (engine state + the last applied inbox id). */
    state: (sender: string) => `${p}:state:${sender}`,
    /** Processing lock of one conversation (a token; fenced writes check it). */
    lock: (sender: string) => `${p}:lock:${sender}`,
    /** Senders with unapplied inbox entries, scored by first arrival: the sweeper's recovery list. */
    pending: `${p}:pending`,
    /** Conversations due for a reminder, scored by when. */
    reminders: `${p}:reminders`,
    /** Per-sender message counter for the current window. */
    rate: (sender: string, window: number) => `${p}:rate:${sender}:${window}`,
    /** Set once a limited sender has been told, for the rest of the window. */
    limitedNotified: (sender: string, window: number) => `${p}:limited:${sender}:${window}`,
    /** All senders' messages in the current second. */
    global: (second: number) => `${p}:global:${second}`,
    /** New intakes started by one sender on one day. */
    intakesToday: (sender: string, day: string) => `${p}:intakes:${sender}:${day}`,
    /** SMS opt-out (STOP) by lookup hash: nothing is sent until START. */
    optOut: (sender: string) => optOutKey(prefix, sender),
  };
}

export type IngressKeys = ReturnType<typeof ingressKeys>;
