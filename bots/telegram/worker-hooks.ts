import { type OutboundMessage, outboundContext } from "../../queues/outbound-message.js";
import type { OutboundWorkerOptions } from "../../queues/outbound-worker.js";
import type { OutboundJob } from "../../queues/payloads.js";
import { addOnce, type TypedQueue } from "../../queues/queues.js";
import { type BoxKeyPair, type Keyring, sealOutbound } from "../../src/crypto/index.js";
import { type MessageLog, publicKeyring } from "./message-log.js";

/** The Telegram-specific hooks of the outbound worker. */
export type TelegramWorkerHooks = Required<
  Pick<OutboundWorkerOptions, "onSent" | "wipeIds" | "scheduleDelete">
>;

/**
 * Schedules deletion of ephemeral messages (the wipe confirmation): a delayed job on the outbound-telegram
 * queue carrying a sealed `{ kind: "delete" }` message. It reuses the sequence of the job that sent the
 * message and has no predecessor, so it neither waits for nor moves the recipient's ordering mark; its
 * job id is deterministic, so a retried send schedules it once.
 */
export function createScheduleDelete(options: {
  queue: TypedQueue<"outbound-telegram">;
  /** Outbound public keyring (or the work role's key pair ring through `publicKeyring`). */
  outbound: Keyring<Uint8Array>;
}): TelegramWorkerHooks["scheduleDelete"] {
  return async (job: OutboundJob, address: string, messageIds: number[], seconds: number) => {
    if (messageIds.length === 0) return;
    const message: OutboundMessage = { kind: "delete", channel: "telegram", address, messageIds };
    const sealed = sealOutbound(
      options.outbound,
      outboundContext(job.recipient, job.seq),
      JSON.stringify(message),
    );
    const data: OutboundJob = { v: 1, channel: "telegram", recipient: job.recipient, sealed, seq: job.seq };
    await options.queue.add("delete", data, {
      ...addOnce(`x-${job.recipient}-${job.seq}-${messageIds[0]}`),
      delay: Math.max(0, Math.round(seconds * 1000)),
    });
  };
}

/**
 * Everything the Telegram outbound worker needs beyond the sender: record the ids of messages it sent,
 * resolve the ids to delete for a wipe, and schedule ephemeral deletions. Pass the result straight into
 * `createOutboundWorker({ ..., ...hooks })`.
 *
 * A wipe moves the chat's ids aside when it starts (a retry of the same job finds them again) and drops
 * them once its confirmation is out, so after a wipe no message id of that chat is left in Redis.
 */
export function createTelegramWorkerHooks(options: {
  messageLog: MessageLog;
  queue: TypedQueue<"outbound-telegram">;
  /** The work role's outbound key pair ring (keys.outbound). */
  outbound: Keyring<BoxKeyPair>;
}): TelegramWorkerHooks {
  const scheduleDelete = createScheduleDelete({
    queue: options.queue,
    outbound: publicKeyring(options.outbound),
  });
  // Wipes in progress in this process, by recipient and sequence.
  const wiping = new Set<string>();
  return {
    onSent: (recipient, messageIds) => options.messageLog.recordIds(recipient, messageIds),
    async wipeIds(recipient) {
      const ids = await options.messageLog.takeForWipe(recipient);
      wiping.add(recipient);
      return ids;
    },
    async scheduleDelete(job, address, messageIds, seconds) {
      await scheduleDelete(job, address, messageIds, seconds);
      // The worker schedules the confirmation's deletion as the last step of a wipe.
      if (wiping.delete(job.recipient)) await options.messageLog.finishWipe(job.recipient);
    },
  };
}
