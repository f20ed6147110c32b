/**
 * The queue map: every BullMQ queue, its name and its job payload. Producers and workers are typed from
 * this one table. Payloads hold ciphertext (sealed envelopes), keyed hashes and ids only: BullMQ stores job
 * data as clear JSON in Redis, so nothing a defender said or anything that identifies them may appear here
 * unsealed.
 */
import type { Channel } from "../src/intake/messages.js";

export const queueNames = {
  screening: "screening",
  /** One outbound queue per channel, so each has its own rate limit (Telegram global, Twilio per number). */
  outboundTelegram: "outbound-telegram",
  outboundSms: "outbound-sms",
  maintenance: "maintenance",
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];

/** A completed intake, sealed to the intake public key by the ingress. Job id = intakeId. */
export interface ScreeningJob {
  v: 1;
  intakeId: string;
  /** Sealed envelope (base64url) of the intake JSON; only the screening worker can open it. */
  sealed: string;
}

/**
 * One turn of messages to one defender, sealed to the outbound public key (recipient address + texts).
 * Job id is deterministic (conversation + inbound id, or a staff action id) so a replay adds nothing.
 */
export interface OutboundJob {
  v: 1;
  channel: Channel;
  /** Lookup hash of the recipient, for opt-out checks and per-recipient ordering; never the address. */
  recipient: string;
  /** Sealed envelope (base64url) of an `OutboundMessage` (see queues/outbound-message.ts). */
  sealed: string;
  /**
   * Ordering: this job's sequence for the recipient (the inbox entry id that produced it, or a time-based
   * id for staff replies), and the sequence of the previous job for the same recipient, which must be
   * sent first.
   */
  seq: string;
  after?: string;
  /**
   * Set on staff replies only (queues/staff-reply-guard.ts): the request replied to and who replied (ids).
   * The sender worker checks the opened address against that request's sender before sending.
   */
  staff?: { requestId: string; staffId: string };
}

export type MaintenanceJob =
  | { v: 1; task: "purge-requests" | "expire-conversations" | "prune-dedupe" }
  /**
   * A defender used delete after submitting: shred their open requests. `sender` is their lookup hash
   * (never the address); the content becomes unreadable at once and the documents are deleted right after.
   */
  | {
      v: 1;
      task: "forget-sender";
      sender: string;
      /** Sequence of the turn that carried the delete: its own reply (the confirmation) is still sent. */
      fromSeq?: string;
    };

export interface QueuePayloads {
  screening: ScreeningJob;
  "outbound-telegram": OutboundJob;
  "outbound-sms": OutboundJob;
  maintenance: MaintenanceJob;
}

/** The outbound queue of a channel. */
export function outboundQueueName(channel: Channel): "outbound-telegram" | "outbound-sms" {
  return channel === "telegram" ? queueNames.outboundTelegram : queueNames.outboundSms;
}
