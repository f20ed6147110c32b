/**
 * 200 conversations at once while the Bot API stand-in answers 429 to a third of sendMessage calls:
 * every reply arrives, in order per chat, once, and no call for a chat comes before its retry_after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TelegramStoredMessage } from "../../../stand-ins/telegram-bot-api.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";
import { dumpRedis, type Rig, settle, startRig } from "./harness.js";

const keys = await makeTestKeys();
const testRedis = useTestRedis();
const CONVERSATIONS = 200;
const BASE_CHAT = 9_100_000_000;

function lastKeyboardStep(messages: TelegramStoredMessage[]): string | undefined {
  const markup = messages.at(-1)?.reply_markup as
    | { inline_keyboard?: Array<Array<{ callback_data: string }>> }
    | undefined;
  return markup?.inline_keyboard?.[0]?.[0]?.callback_data.split("|")[1];
}

describe("Telegram burst under rate limiting", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      keys,
      redis: testRedis.redis(),
      url: testRedis.url,
      prefix: testRedis.prefix,
      worker: true,
      ratePerSecond: 1000,
      // Jobs mostly wait out retry_after; enough slots that 200 chats are not queued behind each other.
      concurrency: 200,
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  /** One defender: /start, English, consent, not in danger; each step waits for the bot's question. */
  async function converse(chat: number): Promise<void> {
    const { tg } = rig;
    const waitForStep = (step: string) =>
      tg.waitFor(() => lastKeyboardStep(tg.messagesTo(chat)) === step && tg.messagesTo(chat).at(-1), 90_000);
    const press = async (step: string, option: string) => {
      const message = await waitForStep(step);
      const res = await tg.userPresses(chat, message.message_id, `c|${step}|${option}`);
      expect(res.status).toBe(200);
    };
    expect((await tg.userSends(chat, "/start")).status).toBe(200);
    await press("language", "en");
    await press("consent", "yes");
    await press("danger_now", "no");
    await tg.waitFor(() => /^What name/.test(tg.messagesTo(chat).at(-1)?.text ?? ""), 90_000);
  }

  it("delivers every reply once, in order per chat, never before retry_after", {
    timeout: 180_000,
  }, async () => {
    const { tg } = rig;
    // A reference conversation without faults gives the expected transcript.
    await converse(BASE_CHAT - 1);
    await settle(rig);
    const expected = tg.messagesTo(BASE_CHAT - 1).map((m) => m.text);
    expect(expected.length).toBeGreaterThanOrEqual(7);

    tg.chaos({ method: "sendMessage", probability: 1 / 3, retryAfter: 1, seed: 20261128 });
    const chats = Array.from({ length: CONVERSATIONS }, (_, i) => BASE_CHAT + i);
    await Promise.all(chats.map((chat) => converse(chat)));
    await settle(rig);
    tg.chaos(undefined);

    const refused = tg.calls("sendMessage").filter((c) => c.errorCode === 429);
    expect(refused.length).toBeGreaterThan(CONVERSATIONS);
    for (const chat of chats) expect(tg.messagesTo(chat).map((m) => m.text)).toEqual(expected);
    expect(tg.retryViolations()).toEqual([]);

    const dump = await dumpRedis(testRedis.redis(), testRedis.prefix);
    for (const chat of [chats[0], chats[99], chats[199]]) expect(dump).not.toContain(String(chat));
  });
});
