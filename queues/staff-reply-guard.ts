import type { Channel } from "../src/intake/messages.js";
import { outboundQueueName } from "./payloads.js";
import { addOnce, type Queues } from "./queues.js";

/** A staff reply as the console hands it over: sealed in the browser, for one request's defender. */
export interface StaffReply {
  readonly requestId: string;
  readonly channel: Channel;
  /** The request's sender hash (never the address). */
  readonly recipient: string;
  readonly sealed: string;
  readonly seq: string;
}

/** The deterministic job id of a staff reply, so a retried POST enqueues once. */
export function staffReplyJobId(requestId: string, seq: string): string {
  return `staff-${requestId}-${seq}`;
}

/** Queues a staff reply on its channel's outbound queue. Resolves the job id. */
export async function enqueueStaffReply(
  queues: Pick<Queues, "outbound-telegram" | "outbound-sms">,
  reply: StaffReply,
): Promise<string> {
  const jobId = staffReplyJobId(reply.requestId, reply.seq);
  await queues[outboundQueueName(reply.channel)].add(
    "send",
    { v: 1, channel: reply.channel, recipient: reply.recipient, sealed: reply.sealed, seq: reply.seq },
    addOnce(jobId),
  );
  return jobId;
}
