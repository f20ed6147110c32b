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

describe("outbound worker (Telegram stand-in, real Redis and BullMQ)", () => {
  let tg: TelegramStandIn;
  let queues: Queues;
  let worker: Worker<OutboundJob> | undefined;
  const bull = createRedis(url, "bullmq", "test-outbound-queues");
  const workerBull = createRedis(url, "bullmq", "test-outbound-worker");

  /** One worker at a time on the file's queue, with a pacer at `ratePerSecond` (strict, no burst). */
  async function startWorker(ratePerSecond: number) {
    await worker?.close();
    worker = createOutboundWorker({
      channel: "telegram",
      connection: workerBull,
      redis: redis(),
      prefix,
      sender: createTelegramSender({ token: tg.token, apiRoot: tg.apiRoot, timeoutSeconds: 120 }),
      open: (sealed, context) =>
        JSON.parse(openOutbound(keys.work.outbound, context, sealed)) as OutboundMessage,
      pacer: createPacer({ redis: redis(), prefix, ratePerSecond }),
      paceKey: `telegram-${ratePerSecond}`,
      log: createLogger({ level: "silent" }),
      concurrency: 4,
    });
  }

  beforeAll(async () => {
    tg = await startTelegramStandIn();
    queues = createQueues(bull, prefix);
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

  it("lets another chat's message take the slot of a send answered 429, and still waits out retry_after", async () => {
    // One send every 4 s: without the slot given back, the other chat would wait for the next slot, 4 s on,
    // past the refused chat's 3 s retry_after.
    await startWorker(0.25);
    const refused = 7_700_000_001;
    const other = 7_700_000_002;
    tg.failNext({ method: "sendMessage", chatId: refused, count: 1, error: { code: 429, retryAfter: 3 } });
    await enqueue(refused, "100-0", ["first"]);
    for (let i = 0; i < 1500 && !tg.calls("sendMessage").some((c) => !c.ok); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await enqueue(other, "100-0", ["second"]);
    expect(await received(other, 1)).toEqual(["second"]);
    expect(await received(refused, 1)).toEqual(["first"]);
    const calls = tg.calls("sendMessage");
    const refusal = calls.find((c) => !c.ok && Number(c.params.chat_id) === refused);
    const otherSent = calls.find((c) => c.ok && Number(c.params.chat_id) === other);
    expect(refusal?.errorCode).toBe(429);
    expect(calls).toHaveLength(3);
    // The other chat went out while the refused chat was still held by its retry_after.
    expect(otherSent?.time ?? Number.POSITIVE_INFINITY).toBeLessThan((refusal?.time ?? 0) + 3000);
    expect(tg.retryViolations()).toEqual([]);
  });

  it("keeps one chat's turns in order through a 429 on its first message", async () => {
    await startWorker(1000);
    const chat = 7_700_000_003;
    tg.failNext({ method: "sendMessage", chatId: chat, count: 1, error: { code: 429, retryAfter: 1 } });
    await enqueue(chat, "200-0", ["one", "two"]);
    await enqueue(chat, "200-1", ["three"], "200-0");
    expect(await received(chat, 3)).toEqual(["one", "two", "three"]);
    expect(tg.retryViolations()).toEqual([]);
  });
});
