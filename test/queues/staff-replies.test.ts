import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { type OutboundMessage, outboundContext } from "../../queues/outbound-message.js";
import { createQueues } from "../../queues/queues.js";
import { timeSeq } from "../../queues/sequence.js";
import { enqueueStaffReply } from "../../queues/staff-reply-guard.js";
import { sealOutbound } from "../../src/crypto/index.js";
import { startPipeline } from "../support/pipeline.js";
import { waitUntil } from "../support/pipeline-intake.js";
import { enqueue, makeIntake, sealedJob } from "./support/intakes.js";

/**
 * Security row 29: staff replies go only to the request's own defender. Through the real composition root
 * (`intake all`, its outbound worker and guard) with the Telegram stand-in: a request is screened, then
 * staff replies are queued as the console queues them, each sealed as a browser could seal it.
 */
const pipeline = await startPipeline();
const { keys, telegram } = pipeline;
const bull = new Redis(pipeline.redis.url, { maxRetriesPerRequest: null });
const queues = createQueues(bull, pipeline.prefix);
afterAll(async () => {
  await queues.close();
  bull.disconnect();
});

const defender = 5_550_003_301;
const stranger = 5_550_003_302;
const staffId = `s${randomBytes(6).toString("hex")}`;
let seqN = 0;

async function db() {
  return (await pipeline.mongo.client()).db(pipeline.mongo.dbName);
}

/** A request of `defender`, screened by the service from a sealed intake. */
async function screenedRequest(): Promise<{ requestId: string; senderHash: string }> {
  const intake = makeIntake(keys.serve, { address: String(defender) });
  await enqueue(queues.screening, sealedJob(keys.serve, intake));
  const requests = (await db()).collection("requests");
  await waitUntil(
    "the request",
    async () => (await requests.countDocuments({ intakeId: intake.intakeId })) === 1,
  );
  const doc = await requests.findOne({ intakeId: intake.intakeId });
  return { requestId: String(doc?._id), senderHash: String(doc?.senderHash) };
}

/** Queues a staff reply for `request` carrying `message`, sealed as the browser seals it. */
async function staffSends(request: { requestId: string; senderHash: string }, message: OutboundMessage) {
  const seq = timeSeq(Date.now(), ++seqN);
  await enqueueStaffReply(queues, {
    requestId: request.requestId,
    staffId,
    channel: "telegram",
    recipient: request.senderHash,
    seq,
    sealed: sealOutbound(
      keys.serve.outbound,
      outboundContext(request.senderHash, seq),
      JSON.stringify(message),
    ),
  });
}

async function refusals(requestId: string) {
  return (await db()).collection("audit").find({ action: "reply_refused", requestId }).toArray();
}

const reply = (text: string) => [{ text, lang: "en" as const }];

describe("staff replies reach only the request's own defender", () => {
  it("delivers a genuine reply through the stand-in", async () => {
    // Both people have talked to the bot, so either chat exists at the stand-in.
    await telegram.userSends(defender, "hello");
    await telegram.userSends(stranger, "hello");
    const request = await screenedRequest();
    await staffSends(request, {
      kind: "replies",
      channel: "telegram",
      address: String(defender),
      replies: reply("genuine reply"),
    });
    await waitUntil("the reply", () => telegram.messagesTo(defender).some((m) => m.text === "genuine reply"));
    expect(await refusals(request.requestId)).toEqual([]);
  });

  it("refuses a reply sealed to a foreign address, sends nothing and audits it as refused", async () => {
    const request = await screenedRequest();
    const before = telegram.messagesTo(stranger).length;
    await staffSends(request, {
      kind: "replies",
      channel: "telegram",
      address: String(stranger),
      replies: reply("to the wrong person"),
    });
    await waitUntil("the refusal", async () => (await refusals(request.requestId)).length === 1);
    const [entry] = await refusals(request.requestId);
    expect(entry).toMatchObject({ actor: staffId, details: { reason: "address", channel: "telegram" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.messagesTo(stranger)).toHaveLength(before);
    expect(telegram.messagesTo(defender).some((m) => m.text === "to the wrong person")).toBe(false);
  });

  it("refuses any job kind but a reply (a wipe, a delete), even to the right chat, and audits each", async () => {
    const request = await screenedRequest();
    const calls = telegram.calls().length;
    await staffSends(request, {
      kind: "wipe",
      channel: "telegram",
      address: String(defender),
      confirm: { text: "wiped", lang: "en" },
    });
    await staffSends(request, {
      kind: "delete",
      channel: "telegram",
      address: String(defender),
      messageIds: [1, 2, 3],
    });
    await waitUntil("both refusals", async () => (await refusals(request.requestId)).length === 2);
    for (const entry of await refusals(request.requestId)) {
      expect(entry).toMatchObject({ actor: staffId, details: { reason: "kind" } });
    }
    await new Promise((r) => setTimeout(r, 300));
    const made = telegram
      .calls()
      .slice(calls)
      .map((c) => c.method);
    expect(made.filter((m) => /delete|send/i.test(m))).toEqual([]);
  });
});
