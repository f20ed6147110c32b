import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramSender } from "../../bots/telegram/sender.js";
import { type OutboundMessage, outboundContext } from "../../queues/outbound-message.js";
import { createOutboundWorker } from "../../queues/outbound-worker.js";
import { createPacer } from "../../queues/pacing.js";
import type { OutboundJob } from "../../queues/payloads.js";
import { createQueues, type Queues } from "../../queues/queues.js";
import { openOutbound, sealOutbound } from "../../src/crypto/index.js";
import { createLogger } from "../../src/log/index.js";
import { createRedis } from "../../src/redis/connect.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../stand-ins/telegram-bot-api.js";
import { useTestRedis } from "../support/isolation.js";
import { makeTestKeys } from "../support/keys.js";

const { prefix, url, redis } = useTestRedis();
const keys = await makeTestKeys();

/** 0.5 sends a second: every slot is 2 s, so the pacing key moves by exactly 2,000 per send in this test. */
const SLOT_MS = 2000;
const paceKey = `${prefix}:pace:telegram`;

describe("outbound worker (Telegram stand-in, real Redis and BullMQ)", () => {
  let tg: TelegramStandIn;
  let queues: Queues;
  let worker: Worker<OutboundJob>;
  const bull = createRedis(url, "bullmq", "test-outbound-queues");
  const workerBull = createRedis(url, "bullmq", "test-outbound-worker");
  const pacer = createPacer({
    redis: redis(),
    prefix,
    ratePerSecond: 1000 / SLOT_MS,
    // Slots are reserved as in production, but nobody sleeps through them here; pauses are still real.
    sleep: (ms) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))),
  });

  beforeAll(async () => {
    tg = await startTelegramStandIn();
    queues = createQueues(bull, prefix);
    worker = createOutboundWorker({
      channel: "telegram",
      connection: workerBull,
      redis: redis(),
      prefix,
      sender: createTelegramSender({ token: tg.token, apiRoot: tg.apiRoot, timeoutSeconds: 120 }),
      open: (sealed, context) =>
        JSON.parse(openOutbound(keys.work.outbound, context, sealed)) as OutboundMessage,
      pacer,
      paceKey: "telegram",
      log: createLogger({ level: "silent" }),
      concurrency: 4,
    });
  });
  afterAll(async () => {
    await worker?.close();
    await queues?.close();
    await workerBull.quit();
    await bull.quit();
    await tg?.close();
  });

  async function enqueue(chatId: number, seq: string, texts: string[], after?: string) {
    const recipient = `r${chatId}`;
    const message: OutboundMessage = {
      kind: "replies",
      channel: "telegram",
      address: String(chatId),
      replies: texts.map((text) => ({ text, lang: "en" })),
    };
    const sealed = sealOutbound(
      keys.serve.outbound,
      outboundContext(recipient, seq),
      JSON.stringify(message),
    );
    const data: OutboundJob = {
      v: 1,
      channel: "telegram",
      recipient,
      sealed,
      seq,
      ...(after ? { after } : {}),
    };
    await queues["outbound-telegram"].add("send", data, { jobId: `o-${recipient}-${seq}` });
  }

  async function received(chatId: number, count: number) {
    for (let i = 0; i < 1500 && tg.messagesTo(chatId).length < count; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return tg.messagesTo(chatId).map((m) => m.text);
  }

  it("gives the pacing slot of a send answered 429 back, and still waits out retry_after", async () => {
    const refused = 7_700_000_001;
    const other = 7_700_000_002;
    await pacer.acquire("telegram");
    const before = Number(await redis().get(paceKey));
    tg.failNext({ method: "sendMessage", chatId: refused, count: 1, error: { code: 429, retryAfter: 1 } });
    await enqueue(refused, "100-0", ["first"]);
    await enqueue(other, "100-0", ["second"]);
    expect(await received(refused, 1)).toEqual(["first"]);
    expect(await received(other, 1)).toEqual(["second"]);
    const calls = tg.calls("sendMessage").filter((c) => [refused, other].includes(Number(c.params.chat_id)));
    expect(calls.map((c) => c.ok)).toContain(false);
    expect(calls).toHaveLength(3);
    // Two messages went out: the shared pacer counts two slots, not three.
    expect(Number(await redis().get(paceKey)) - before).toBe(2 * SLOT_MS);
    expect(tg.retryViolations()).toEqual([]);
  });

  it("keeps one chat's turns in order through a 429 on its first message", async () => {
    const chat = 7_700_000_003;
    tg.failNext({ method: "sendMessage", chatId: chat, count: 1, error: { code: 429, retryAfter: 1 } });
    await enqueue(chat, "200-0", ["one", "two"]);
    await enqueue(chat, "200-1", ["three"], "200-0");
    expect(await received(chat, 3)).toEqual(["one", "two", "three"]);
    expect(tg.retryViolations()).toEqual([]);
  });
});
