/**
 * The Telegram channel through the real composition root (`intake all` via test/support/pipeline.ts):
 * a full intake driven by buttons and text over HTTP, then /wipe, then canary scans of Redis and the logs.
 */
import { describe, expect, it } from "vitest";
import { messageLogKeys } from "../../../bots/telegram/message-log.js";
import { createFinishedJobs } from "../../../queues/finished-jobs.js";
import { createQueues } from "../../../queues/queues.js";
import { lookupHash } from "../../../src/crypto/index.js";
import { createRedis } from "../../../src/redis/connect.js";
import type { TelegramStoredMessage } from "../../../stand-ins/telegram-bot-api.js";
import { startPipeline } from "../../support/pipeline.js";
import { ANSWERS, buttonsOf, dumpRedis, FIRST_NAME, pick, REFERENCE } from "./harness.js";

const pipeline = await startPipeline();
const { telegram: tg, keys } = pipeline;
const CHAT = 8_765_432_109;
const user = { firstName: FIRST_NAME, languageCode: "en" };

/** The bot's question that ends a turn: a keyboard, a planned text prompt, or the reference code. */
function isQuestion(message: TelegramStoredMessage | undefined): boolean {
  const text = message?.text ?? "";
  return buttonsOf(message).length > 0 || ANSWERS.some(([p]) => p.test(text)) || REFERENCE.test(text);
}

async function nextQuestion(afterId: number): Promise<TelegramStoredMessage> {
  return tg.waitFor(() => {
    const last = tg.messagesTo(CHAT).at(-1);
    return last && last.message_id > afterId && isQuestion(last) ? last : undefined;
  }, 20_000);
}

describe("Telegram through intake all", () => {
  it("takes a full intake by buttons and text to a reference code and one request", async () => {
    let last = 0;
    expect((await tg.userSends(CHAT, "/start", user)).status).toBe(200);
    let reference: string | undefined;
    for (let turn = 0; turn < 80; turn++) {
      const question = await nextQuestion(last);
      last = question.message_id;
      reference = REFERENCE.exec(question.text ?? "")?.[1];
      if (reference) break;
      const buttons = buttonsOf(question);
      if (buttons.length > 0) {
        expect((await tg.userPresses(CHAT, question.message_id, pick(buttons), user)).status).toBe(200);
      } else {
        const answer = ANSWERS.find(([p]) => p.test(question.text ?? ""))?.[1] ?? "";
        expect((await tg.userSends(CHAT, answer, user)).status).toBe(200);
      }
    }
    expect(reference).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    const bull = createRedis(pipeline.redis.url, "bullmq", "test-pipeline-queues");
    const queues = createQueues(bull, pipeline.prefix);
    try {
      const client = await pipeline.mongo.client();
      const requests = client.db(pipeline.mongo.dbName).collection("requests");
      await tg.waitFor(async () => (await requests.countDocuments({})) > 0, 20_000);
      expect(await requests.countDocuments({})).toBe(1);
      // One screening job, finished and removed (security row 24): its line is all that is left of it.
      const lines = createFinishedJobs({ redis: bull, prefix: pipeline.prefix });
      await tg.waitFor(async () => (await lines.list("screening")).length > 0, 20_000);
      const counts = await queues.screening.getJobCounts(
        "completed",
        "failed",
        "waiting",
        "active",
        "delayed",
      );
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
      expect((await lines.list("screening")).map((l) => l.state)).toEqual(["completed"]);
    } finally {
      await queues.close();
      await bull.quit();
    }
    for (const call of tg.calls()) expect(call.params).not.toHaveProperty("parse_mode");
  });

  it("/wipe deletes both sides of the chat and leaves no message id behind", async () => {
    const before = tg.chatHistory(CHAT);
    expect(before.length).toBeGreaterThan(20);
    const wipe = await tg.userSends(CHAT, "/wipe", user);
    expect(wipe.status).toBe(200);
    const wipeId = (wipe.update.message as { message_id: number }).message_id;
    const deletedIds = () =>
      new Set(
        tg
          .calls("deleteMessages")
          .filter((c) => c.ok && Number(c.params.chat_id) === CHAT)
          .flatMap((c) => c.params.message_ids as number[]),
      );
    await tg.waitFor(() => deletedIds().has(wipeId) && tg.chatHistory(CHAT).length === 1, 20_000);
    for (const m of before) expect(deletedIds().has(m.message_id)).toBe(true);
    const sender = lookupHash(keys.serve.lookup, "telegram", String(CHAT));
    const k = messageLogKeys(pipeline.prefix, sender);
    await tg.waitFor(async () => (await pipeline.redis.redis().exists(k.log, k.wiping)) === 0, 10_000);
  });

  it("leaves no name, chat id or answer in Redis or in the logs", async () => {
    const dump = await dumpRedis(pipeline.redis.redis(), pipeline.prefix);
    const logs = pipeline.logText();
    expect(dump.length).toBeGreaterThan(1000);
    expect(logs.length).toBeGreaterThan(1000);
    const canaries = [
      FIRST_NAME,
      String(CHAT),
      Buffer.from(String(CHAT)).toString("base64"),
      "Nadiracanary",
      "Canaryville",
      "canarywork",
      "canarythreat",
      "canarycontact",
    ];
    for (const canary of canaries) {
      expect(dump).not.toContain(canary);
      expect(logs).not.toContain(canary);
    }
  });
});
