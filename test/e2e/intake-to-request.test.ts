import { describe, expect, it } from "vitest";
import { lookupHash } from "../../src/crypto/index.js";
import type { ConversationState } from "../../src/intake/index.js";
import { dumpRedis, phoneForms } from "../support/canary.js";
import { conversationState } from "../support/conversation.js";
import { canaryAnswers, defaultAnswers } from "../support/ingress-driver.js";
import { startPipeline } from "../support/pipeline.js";

const pipeline = await startPipeline();
const { keys, telegram, twilio } = pipeline;

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stateOf(sender: string): Promise<ConversationState | null | undefined> {
  return conversationState(pipeline.redis.redis(), pipeline.prefix, keys, sender);
}

/** Answers each question the engine asks (read from the encrypted state, which the test can open) until submitted. */
async function completeIntake(
  send: (text: string) => Promise<void>,
  sender: string,
  answers: Record<string, string>,
) {
  await send("hello");
  await waitUntil("the conversation to start", async () => (await stateOf(sender)) !== undefined);
  for (let turn = 0; turn < 60; turn++) {
    const state = await stateOf(sender);
    if (!state) return;
    const before = JSON.stringify(state);
    await send(answers[state.step] ?? "1");
    await waitUntil("the answer to be applied", async () => JSON.stringify(await stateOf(sender)) !== before);
  }
  throw new Error("intake did not complete");
}

async function requests() {
  const client = await pipeline.mongo.client();
  return client.db(pipeline.mongo.dbName).collection("requests").find({}).toArray();
}

describe("a defender's message becomes a protection request staff can act on", () => {
  const tgUser = 5_550_001_234;
  const phone = "+254711222333";
  const tgCanaries = canaryAnswers("tg-e2e");
  const smsCanaries = canaryAnswers("sms-e2e");

  it("over Telegram and over SMS, each ends with a reference code and exactly one request", async () => {
    const tgSender = lookupHash(keys.serve.lookup, "telegram", String(tgUser));
    const smsSender = lookupHash(keys.serve.lookup, "phone", phone);
    await Promise.all([
      completeIntake(
        async (text) => {
          const d = await telegram.userSends(tgUser, text, { firstName: "Canaryfirst" });
          expect(d.status).toBe(200);
        },
        tgSender,
        defaultAnswers(tgCanaries),
      ),
      completeIntake(
        async (text) => {
          const r = await twilio.smsFromUser(phone, text);
          expect(r.status).toBe(200);
        },
        smsSender,
        defaultAnswers(smsCanaries),
      ),
    ]);
    const reference = /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
    await waitUntil("the Telegram reference code", () =>
      telegram.messagesTo(tgUser).some((m) => reference.test(m.text ?? "")),
    );
    await waitUntil("the SMS reference code", () =>
      twilio.messagesTo(phone).some((m) => reference.test(m.resource.body ?? "")),
    );
    await waitUntil("two requests", async () => (await requests()).length === 2);
    const stored = await requests();
    expect(stored.map((r) => r.channel).sort()).toEqual(["sms", "telegram"]);
    for (const r of stored) expect(r.reference).toMatch(reference);
  }, 120_000);

  it("leaves no canary in Redis, MongoDB or the logs", async () => {
    const needles = [
      ...Object.values(tgCanaries),
      ...Object.values(smsCanaries),
      ...phoneForms(phone),
      String(tgUser),
      "Canaryfirst",
    ];
    const redisText = await dumpRedis(pipeline.redis.redis(), pipeline.prefix);
    const client = await pipeline.mongo.client();
    const db = client.db(pipeline.mongo.dbName);
    let mongoText = "";
    for (const { name } of await db.listCollections().toArray()) {
      mongoText += JSON.stringify(await db.collection(name).find({}).toArray());
    }
    const logText = pipeline.logText();
    expect(logText.length).toBeGreaterThan(0);
    for (const needle of needles) {
      expect(redisText, `Redis holds ${needle}`).not.toContain(needle);
      expect(mongoText, `MongoDB holds ${needle}`).not.toContain(needle);
      expect(logText, `logs hold ${needle}`).not.toContain(needle);
    }
  });
});
