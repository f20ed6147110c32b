import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Channel, Reply } from "../src/intake/messages.js";
import type { Log } from "../src/log/index.js";
import { type ChannelSender, SendError } from "./channel-sender.js";
import { createFinishedJobs, recordFinishedJobs } from "./finished-jobs.js";
import { type OutboundMessage, outboundContext } from "./outbound-message.js";
import type { Pacer } from "./pacing.js";
import { type OutboundJob, outboundQueueName } from "./payloads.js";
import { bullPrefix } from "./queues.js";
import { compareSeq } from "./sequence.js";
import { isStaffJob, type StaffReplyGuard } from "./staff-reply-guard.js";

export interface OutboundWorkerOptions {
  channel: Channel;
  /** Connection for BullMQ (maxRetriesPerRequest: null). */
  connection: Redis;
  /** Connection for the worker's own small keys (ordering marks, opt-outs). */
  redis: Redis;
  prefix: string;
  sender: ChannelSender;
  /** Opens a sealed outbound message (the work role's outbound secret key). */
  open(sealed: string, context: string): OutboundMessage;
  pacer: Pacer;
  /** Pacing key: one global key for Telegram; the sending number for SMS. */
  paceKey: string;
  log: Log;
  concurrency?: number;
  /** How long a job waits for the previous message to the same recipient before going anyway. */
  orderWaitMs?: number;
  /** Records ids of messages we sent, for Telegram /wipe. */
  onSent?: (recipient: string, messageIds: number[]) => Promise<void>;
  /** Message ids to delete for a wipe (Telegram), newest first; resolves ids younger than 48 h. */
  wipeIds?: (recipient: string) => Promise<number[]>;
  /** Schedules deletion of an ephemeral message after `seconds`. */
  scheduleDelete?: (
    job: OutboundJob,
    address: string,
    messageIds: number[],
    seconds: number,
  ) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Checks staff replies against their request's sender before sending (security row 29). Without it,
   * every staff job is refused: unchecked staff replies never go out.
   */
  staffReplies?: StaffReplyGuard;
}

const doneKey = (prefix: string, recipient: string) => `${prefix}:out:done:${recipient}`;
/** Set when the recipient blocked us or is unsubscribed at the provider; cleared by their opt-in. */
export const blockedKey = (prefix: string, recipient: string) => `${prefix}:out:blocked:${recipient}`;
/** SMS opt-out (STOP) by lookup hash: nothing is sent until START. The ingress sets and clears it. */
export const optOutKey = (prefix: string, recipient: string) => `${prefix}:in:optout:${recipient}`;

/** Records the last sequence sent to a recipient, only ever moving forward. */
const markDoneScript = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local cm, cs = string.match(cur, '^(%d+)-(%d+)$')
  local nm, ns = string.match(ARGV[1], '^(%d+)-(%d+)$')
  if cm and nm and (tonumber(cm) > tonumber(nm) or (tonumber(cm) == tonumber(nm) and tonumber(cs) >= tonumber(ns))) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 604800)
return 1
`;

/**
 * The sender worker for one channel: opens each sealed turn, keeps each recipient's messages in order,
 * paces calls across processes, honours retry_after, stops for good when the recipient blocked us or
 * opted out, and fails jobs with content-free reasons only.
 */
export function createOutboundWorker(options: OutboundWorkerOptions): Worker<OutboundJob> {
  const { redis, prefix, sender, pacer, log } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const orderWaitMs = options.orderWaitMs ?? 15_000;

  async function waitForPredecessor(job: OutboundJob) {
    if (!job.after) return;
    const deadline = Date.now() + orderWaitMs;
    while (Date.now() < deadline) {
      const done = await redis.get(doneKey(prefix, job.recipient));
      if (done && compareSeq(done, job.after) >= 0) return;
      await sleep(25);
    }
    log.warn("outbound.order_wait_expired", { channel: options.channel });
  }

  async function sendWithRetryAfter(address: string, recipient: string, reply: Reply) {
    for (let attempt = 0; ; attempt++) {
      await pacer.waitWhilePaused(recipient);
      const slot = await pacer.acquire(options.paceKey, sender.cost(reply));
      try {
        return await sender.send(address, reply);
      } catch (err) {
        if (err instanceof SendError && err.kind === "rate-limited") {
          // Nothing went out (see ChannelSender): give the slot back to the other recipients' messages.
          await pacer.release(slot);
          if (attempt < 5) {
            // Honour retry_after for this recipient in every process, then try the same message again,
            // so the order of this recipient's messages holds.
            await pacer.pauseUntil(recipient, Date.now() + (err.retryAfterMs ?? 1000));
            continue;
          }
        }
        throw err;
      }
    }
  }

  /**
   * Marks this turn handled, so the recipient's next job does not wait for it. Staff replies are waited
   * for by no one, and their sequence is the browser's clock in ms: they leave no mark (security row 31).
   */
  const markDone = async (data: OutboundJob) => {
    if (data.staff) return;
    await redis.eval(markDoneScript, 1, doneKey(prefix, data.recipient), data.seq);
  };

  async function process(job: Job<OutboundJob>): Promise<void> {
    const data = job.data;
    if (await redis.exists(blockedKey(prefix, data.recipient))) return markDone(data);
    if (options.channel === "sms" && (await redis.exists(optOutKey(prefix, data.recipient)))) {
      log.info("outbound.skipped_opted_out", { channel: "sms" });
      return markDone(data);
    }
    let message: OutboundMessage;
    try {
      message = options.open(data.sealed, outboundContext(data.recipient, data.seq));
    } catch {
      throw new UnrecoverableError("OUTBOUND_ENVELOPE_INVALID");
    }
    if (isStaffJob(job.id, data)) {
      let refusal: string | undefined = "unchecked";
      try {
        if (options.staffReplies) refusal = await options.staffReplies(data, message);
      } catch {
        // MongoDB or the audit log unreachable: nothing is sent; retried, with a code, never the error text.
        throw new Error("STAFF_REPLY_CHECK_FAILED");
      }
      if (refusal) {
        log.warn("outbound.staff_reply_refused", { channel: options.channel, reason: refusal });
        throw new UnrecoverableError("STAFF_REPLY_REFUSED");
      }
    }
    await waitForPredecessor(data);
    // Progress counts replies already sent, so a retry never repeats one.
    let sentCount = typeof job.progress === "number" ? job.progress : 0;
    try {
      if (message.kind === "replies") {
        for (const reply of message.replies.slice(sentCount)) {
          const { messageIds } = await sendWithRetryAfter(message.address, data.recipient, reply);
          sentCount++;
          await job.updateProgress(sentCount);
          if (messageIds.length > 0) await options.onSent?.(data.recipient, messageIds);
          if (reply.ephemeralSeconds && messageIds.length > 0) {
            await options.scheduleDelete?.(data, message.address, messageIds, reply.ephemeralSeconds);
          }
        }
      } else if (message.kind === "wipe") {
        const ids = (await options.wipeIds?.(data.recipient)) ?? [];
        for (let i = 0; i < ids.length; i += 100) {
          await pacer.acquire(options.paceKey, 1);
          await sender.deleteMessages?.(message.address, ids.slice(i, i + 100));
        }
        const { messageIds } = await sendWithRetryAfter(message.address, data.recipient, message.confirm);
        if (messageIds.length > 0) {
          await options.scheduleDelete?.(
            data,
            message.address,
            messageIds,
            message.confirm.ephemeralSeconds ?? 30,
          );
        }
        log.info("outbound.wiped", { channel: "telegram", count: ids.length });
      } else {
        await sender.deleteMessages?.(message.address, message.messageIds);
      }
    } catch (err) {
      if (err instanceof SendError) {
        if (err.kind === "blocked") {
          // The defender blocked the bot or the number is unsubscribed: stop, no retry loop.
          await redis.set(blockedKey(prefix, data.recipient), "1", "EX", 30 * 24 * 3600);
          log.warn("outbound.recipient_blocked", { channel: options.channel, code: err.code });
          return markDone(data);
        }
        if (err.kind === "permanent") throw new UnrecoverableError(`SEND_PERMANENT_${err.code}`);
        throw new Error(`SEND_${err.kind.toUpperCase()}_${err.code}`);
      }
      // Anything else (a bug, a library error) may quote the message: keep only its class.
      throw new Error(`SEND_FAILED_${err instanceof Error ? err.name : "unknown"}`);
    }
    await markDone(data);
  }

  const worker = new Worker<OutboundJob>(outboundQueueName(options.channel), process, {
    connection: options.connection,
    prefix: bullPrefix(prefix),
    concurrency: options.concurrency ?? 8,
    // BullMQ renews an active job's lock every half duration while the process lives, so a job waiting for
    // its predecessor or a retry_after never looks stalled; short values only bound how long a crashed
    // worker's reply waits before another worker retries it: at most lock + interval (25 s, was ~90 s).
    lockDuration: 15_000,
    stalledInterval: 10_000,
  });
  worker.on("failed", (job, err) => {
    log.warn("outbound.job_failed", {
      channel: options.channel,
      reason: err.message,
      attempts: job?.attemptsMade ?? 0,
    });
  });
  worker.on("error", (err) => log.error("outbound.worker_error", { err }));
  // Outbound job ids name the recipient's hash and a sequence: the line keeps neither.
  recordFinishedJobs(worker, createFinishedJobs({ redis: options.connection, prefix }), {
    queue: outboundQueueName(options.channel),
    keepId: false,
    onError: (err) => log.warn("outbound.finished_line_failed", { err: err as Error }),
  });
  return worker;
}
