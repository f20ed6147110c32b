import { createServer } from "node:http";
import { Api } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTelegramSender } from "../../../bots/telegram/sender.js";
import { SendError } from "../../../queues/channel-sender.js";
import type { Reply } from "../../../src/intake/messages.js";
import { closeServer, listenLoopback } from "../../../stand-ins/http-util.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../../stand-ins/telegram-bot-api.js";

const CHAT = 6_660_000_001;

async function failure(promise: Promise<unknown>): Promise<SendError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SendError) return err;
    throw err;
  }
  throw new Error("expected a SendError");
}

describe("Telegram sender", () => {
  let tg: TelegramStandIn;
  const slept: number[] = [];
  let sender: ReturnType<typeof createTelegramSender>;
  beforeAll(async () => {
    tg = await startTelegramStandIn();
    sender = createTelegramSender({
      token: tg.token,
      apiRoot: tg.apiRoot,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
  });
  beforeEach(() => {
    tg.reset();
    slept.length = 0;
  });
  afterAll(async () => {
    await tg.close();
  });

  it("sends plain text with an inline keyboard and never a parse_mode", async () => {
    const reply: Reply = {
      text: "Pick *one* <b>please</b> [link](https://example.org)",
      lang: "en",
      choices: {
        stepId: "displacement",
        mode: "single",
        options: [
          { id: "at_home", label: "At home" },
          { id: "left_country", label: "Left the country" },
        ],
      },
    };
    const { messageIds } = await sender.send(String(CHAT), reply);
    expect(messageIds).toHaveLength(1);
    const [stored] = tg.messagesTo(CHAT);
    expect(stored?.text).toBe(reply.text);
    expect(stored?.message.entities).toBeUndefined();
    expect(stored?.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: "At home", callback_data: "c|displacement|at_home" }],
        [{ text: "Left the country", callback_data: "c|displacement|left_country" }],
      ],
    });
    for (const call of tg.calls()) expect(call.params).not.toHaveProperty("parse_mode");
  });

  it("splits a long reply into messages under 4096 characters, in order", async () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i} ${"x".repeat(290)}`).join("\n");
    const { messageIds } = await sender.send(String(CHAT), { text, lang: "en" });
    const sent = tg.messagesTo(CHAT);
    expect(messageIds).toEqual(sent.map((m) => m.message_id));
    expect(sent.length).toBe(3);
    expect(sent.every((m) => (m.text ?? "").length <= 4096)).toBe(true);
    expect(sent.map((m) => m.text).join("\n")).toBe(text);
    expect(sender.cost({ text, lang: "en" })).toBe(3);
    expect(sender.cost({ text: "short", lang: "en" })).toBe(1);
    for (const call of tg.calls()) expect(call.params).not.toHaveProperty("parse_mode");
  });

  it("maps 429 to rate-limited with retry_after, 403 to blocked, 5xx to transient, other 4xx to permanent", async () => {
    const reply: Reply = { text: "hi", lang: "en" };
    tg.failNext({ method: "sendMessage", count: 1, error: { code: 429, retryAfter: 7 } });
    const limited = await failure(sender.send(String(CHAT), reply));
    expect([limited.kind, limited.retryAfterMs]).toEqual(["rate-limited", 7000]);

    tg.failNext({ method: "sendMessage", count: 1, error: { code: 403 } });
    expect((await failure(sender.send(String(CHAT), reply))).kind).toBe("blocked");
    tg.userBlocksBot(CHAT);
    expect((await failure(sender.send(String(CHAT), reply))).kind).toBe("blocked");
    tg.userUnblocksBot(CHAT);

    for (const code of [500, 502] as const) {
      tg.failNext({ method: "sendMessage", count: 1, error: { code } });
      const err = await failure(sender.send(String(CHAT), reply));
      expect([err.kind, err.code]).toEqual(["transient", String(code)]);
    }
    tg.failNext({
      method: "sendMessage",
      count: 1,
      error: { code: 400, description: "Bad Request: chat not found" },
    });
    const bad = await failure(sender.send(String(CHAT), reply));
    expect([bad.kind, bad.code]).toEqual(["permanent", "400"]);
    // The error says what happened, never the text or the chat.
    expect(bad.message).not.toContain(String(CHAT));
    expect(bad.message).not.toContain("chat not found");
  });

  it("maps a network failure to transient", async () => {
    const closed = createServer();
    const root = await listenLoopback(closed, 0);
    await closeServer(closed);
    const offline = createTelegramSender({ token: tg.token, apiRoot: root });
    const err = await failure(offline.send(String(CHAT), { text: "hi", lang: "en" }));
    expect([err.kind, err.code]).toEqual(["transient", "network"]);
  });

  it("waits out retry_after on a later part instead of resending earlier parts", async () => {
    // Telegram's per-chat limit: the second part of one reply is refused with retry_after 1.
    const limited = await startTelegramStandIn({ rateLimit: { perChatPerSecond: 1, perChatBurst: 1 } });
    const waits: number[] = [];
    const paced = createTelegramSender({
      token: limited.token,
      apiRoot: limited.apiRoot,
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    try {
      const text = `${"a".repeat(4000)}\n${"b".repeat(100)}`;
      const { messageIds } = await paced.send(String(CHAT), { text, lang: "en" });
      expect(messageIds).toHaveLength(2);
      expect(limited.messagesTo(CHAT).map((m) => m.text?.[0])).toEqual(["a", "b"]);
      expect(limited.calls("sendMessage").filter((c) => c.ok)).toHaveLength(2);
      expect(waits.length).toBeGreaterThan(0);
      expect(waits.every((ms) => ms >= 1000)).toBe(true);
      expect(limited.retryViolations()).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("deletes messages in batches of at most 100, skipping ones already gone", async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    const ids: number[] = [];
    for (let i = 0; i < 230; i++) ids.push((await api.sendMessage(CHAT, `m${i}`)).message_id);
    await sender.deleteMessages(String(CHAT), [...ids, 99_999]);
    const calls = tg.calls("deleteMessages");
    expect(calls).toHaveLength(3);
    for (const call of calls) expect((call.params.message_ids as number[]).length).toBeLessThanOrEqual(100);
    expect(tg.chatHistory(CHAT)).toEqual([]);
    // Deleting them again (a retried wipe) is not an error.
    await sender.deleteMessages(String(CHAT), ids);
  });
});
