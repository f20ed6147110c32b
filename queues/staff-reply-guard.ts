import { createHash } from "node:crypto";
import { type IdentityKind, type Keyring, lookupHashes } from "../src/crypto/index.js";
import type { Channel } from "../src/intake/messages.js";
import type { OutboundMessage } from "./outbound-message.js";
import { type OutboundJob, outboundQueueName } from "./payloads.js";
import { addOnce, type Queues } from "./queues.js";

/** A staff reply as the console hands it over: sealed in the browser, for one request's defender. */
export interface StaffReply {
  readonly requestId: string;
  /** The staff member who sent it (an id), for the audit entry if the worker refuses it. */
  readonly staffId: string;
  readonly channel: Channel;
  /** The request's sender hash (never the address). */
  readonly recipient: string;
  readonly sealed: string;
  readonly seq: string;
  /** The console's job id for it (`staffReplyJobId`); computed here when absent. */
  readonly jobId?: string;
}

const STAFF_JOB_PREFIX = "staff-";

/**
 * The deterministic job id of a staff reply, so a retried POST enqueues once: the request and a digest of
 * the browser's sequence, which is a millisecond clock value and so is not kept in the id or the dedupe
 * mark that outlives the job (security row 31). The console computes the same id.
 */
export function staffReplyJobId(requestId: string, seq: string): string {
  return `${STAFF_JOB_PREFIX}${requestId}-${createHash("sha256").update(seq).digest("base64url").slice(0, 16)}`;
}

/** Queues a staff reply on its channel's outbound queue, marked as staff's. Resolves the job id. */
export async function enqueueStaffReply(
  queues: Pick<Queues, "outbound-telegram" | "outbound-sms">,
  reply: StaffReply,
): Promise<string> {
  const jobId = reply.jobId ?? staffReplyJobId(reply.requestId, reply.seq);
  const data: OutboundJob = {
    v: 1,
    channel: reply.channel,
    recipient: reply.recipient,
    sealed: reply.sealed,
    seq: reply.seq,
    staff: { requestId: reply.requestId, staffId: reply.staffId },
  };
  await queues[outboundQueueName(reply.channel)].add("send", data, addOnce(jobId));
  return jobId;
}

/** True for a job staff caused: marked as such, or named like one (a mark cannot be dropped to pass). */
export function isStaffJob(jobId: string | undefined, data: OutboundJob): boolean {
  return data.staff !== undefined || (jobId?.startsWith(STAFF_JOB_PREFIX) ?? false);
}

/** Why a staff job was refused: content-free codes, audited and kept as the job's failure reason. */
export type StaffReplyRefusal =
  /** Not a staff reply job as the console makes it (no request named). */
  | "not_staff_reply"
  /** Any message kind but `replies` (wipe, delete): staff may only write to the defender. */
  | "kind"
  /** The request is gone, or holds no sender any more (erased, closed and forgotten). */
  | "no_sender"
  /** The job's recipient or the sealed address is not the request's own sender. */
  | "address";

export interface StaffReplyGuardDeps {
  /** The lookup keyring (every loaded epoch): the opened address must hash to the request's sender. */
  readonly lookup: Keyring<Uint8Array>;
  /** The request's sender hash, or undefined when the request or its hash is gone. */
  readonly senderOf: (requestId: string) => Promise<string | null | undefined>;
  /** Records a refusal: a content-free audit entry (`reply_refused`). */
  readonly refused: (entry: {
    readonly requestId: string | null;
    readonly staffId: string | null;
    readonly channel: Channel;
    readonly reason: StaffReplyRefusal;
  }) => Promise<void>;
}

/** Checks a staff job before anything is sent; resolves a refusal, or undefined to let it through. */
export type StaffReplyGuard = (
  job: OutboundJob,
  message: OutboundMessage,
) => Promise<StaffReplyRefusal | undefined>;

const identityKind = (channel: Channel): IdentityKind => (channel === "sms" ? "phone" : "telegram");

/**
 * Security row 29: a staff reply goes only to the request's own defender. The console cannot see the
 * address it seals (the browser seals it), so the sender worker, which opens it, checks that it is a plain
 * `replies` message on the request's channel, that the job's recipient is the request's sender, and that
 * the opened address hashes (under any loaded lookup epoch) to that sender. Anything else is refused and
 * audited; nothing is sent.
 */
export function createStaffReplyGuard(deps: StaffReplyGuardDeps): StaffReplyGuard {
  async function verdict(job: OutboundJob, message: OutboundMessage): Promise<StaffReplyRefusal | undefined> {
    if (!job.staff) return "not_staff_reply";
    if (message.kind !== "replies" || message.channel !== job.channel) return "kind";
    const sender = await deps.senderOf(job.staff.requestId);
    if (!sender) return "no_sender";
    if (job.recipient !== sender) return "address";
    let hashes: readonly string[];
    try {
      hashes = lookupHashes(deps.lookup, identityKind(job.channel), message.address).map((h) => h.hash);
    } catch {
      return "address";
    }
    return hashes.includes(sender) ? undefined : "address";
  }

  return async (job, message) => {
    const reason = await verdict(job, message);
    if (reason) {
      await deps.refused({
        requestId: job.staff?.requestId ?? null,
        staffId: job.staff?.staffId ?? null,
        channel: job.channel,
        reason,
      });
    }
    return reason;
  };
}
