import { createServer } from "node:http";
import Fastify from "fastify";
import { Api, Bot, GrammyError, webhookCallback } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeServer, listenLoopback, readBody } from "../../stand-ins/http-util.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../stand-ins/telegram-bot-api.js";

const CHAT = 424_242_001;

describe("Telegram Bot API stand-in", () => {
  let tg: TelegramStandIn;
  let now = Date.UTC(2026, 0, 1);

  beforeEach(async () => {
    now = Date.UTC(2026, 0, 1);
    tg = await startTelegramStandIn({ clock: () => now });
  });
  afterEach(async () => {
    await tg.close();
  });

  it("answers getMe and sendMessage through grammY with real Message objects", async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    const me = await api.getMe();
    expect(me.is_bot).toBe(true);
    expect(me.id).toBe(Number(tg.token.split(":")[0]));

    const keyboard = { inline_keyboard: [[{ text: "Yes", callback_data: "yes" }]] };
    const first = await api.sendMessage(CHAT, "hello", { reply_markup: keyboard });
    const second = await api.sendMessage(CHAT, "again");
    expect(first.chat).toEqual({ id: CHAT, first_name: "Defender", type: "private" });
    expect(first.text).toBe("hello");
    expect(first.reply_markup).toEqual(keyboard);
    expect(second.message_id).toBe(first.message_id + 1);
    expect(first.date).toBe(Math.floor(now / 1000));
    expect(tg.messagesTo(CHAT).map((m) => m.text)).toEqual(["hello", "again"]);
    expect(tg.calls("sendMessage")).toHaveLength(2);
  });

  it("accepts form and query bodies and GET like Telegram", async () => {
    const form = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        chat_id: String(CHAT),
        text: "form",
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "a", callback_data: "a" }]] }),
      }).toString(),
    });
    const formJson = (await form.json()) as { ok: boolean; result: { reply_markup: unknown } };
    expect(formJson.ok).toBe(true);
    expect(formJson.result.reply_markup).toEqual({ inline_keyboard: [[{ text: "a", callback_data: "a" }]] });

    const get = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage?chat_id=${CHAT}&text=query`);
    expect(get.status).toBe(200);
    expect(tg.messagesTo(CHAT).map((m) => m.text)).toEqual(["form", "query"]);
  });

  it("refuses unknown tokens with 401 and unknown methods with 404", async () => {
    const bad = await fetch(`${tg.apiRoot}/bot123:wrong/getMe`);
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    const unknown = await fetch(`${tg.apiRoot}/bot${tg.token}/noSuchMethod`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  it("edits, deletes and refuses deletion after 48 hours", async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    const a = await api.sendMessage(CHAT, "one");
    const b = await api.sendMessage(CHAT, "two");
    const c = await api.sendMessage(CHAT, "three");
    const edited = await api.editMessageText(CHAT, a.message_id, "one!");
    expect(edited).toMatchObject({ text: "one!", message_id: a.message_id });
    await expect(api.editMessageText(CHAT, a.message_id, "one!")).rejects.toThrow(/message is not modified/);
    await api.editMessageReplyMarkup(CHAT, a.message_id, {
      reply_markup: { inline_keyboard: [[{ text: "x", callback_data: "x" }]] },
    });
    expect(tg.messagesTo(CHAT)[0]?.reply_markup).toEqual({
      inline_keyboard: [[{ text: "x", callback_data: "x" }]],
    });

    expect(await api.deleteMessage(CHAT, a.message_id)).toBe(true);
    await expect(api.deleteMessage(CHAT, a.message_id)).rejects.toThrow(/message to delete not found/);
    expect(await api.deleteMessages(CHAT, [b.message_id, 9999])).toBe(true);
    expect(tg.messagesTo(CHAT).map((m) => m.text)).toEqual(["three"]);
    await expect(
      api.deleteMessages(
        CHAT,
        Array.from({ length: 101 }, (_, i) => i + 1),
      ),
    ).rejects.toThrow(/too many/);

    now += 48 * 60 * 60 * 1000;
    const error = await api.deleteMessage(CHAT, c.message_id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).description).toMatch(/can't be deleted/);
    expect(tg.messagesTo(CHAT)).toHaveLength(1);
  });

  it("injects faults for a method and chat, with Telegram's error shapes", async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    tg.failNext({ method: "sendMessage", chatId: CHAT, count: 1, error: { code: 403 } });
    tg.failNext({ method: "sendMessage", count: 1, error: { code: 429, retryAfter: 7 } });
    const blocked = (await api.sendMessage(CHAT, "x").catch((e: unknown) => e)) as GrammyError;
    expect(blocked.error_code).toBe(403);
    expect(blocked.description).toBe("Forbidden: bot was blocked by the user");
    const limited = (await api.sendMessage(CHAT + 1, "x").catch((e: unknown) => e)) as GrammyError;
    expect(limited.error_code).toBe(429);
    expect(limited.parameters.retry_after).toBe(7);
    expect(tg.retryAfterUntil(CHAT + 1)).toBe(now + 7000);
    await api.sendMessage(CHAT + 1, "too early");
    expect(tg.retryViolations()).toHaveLength(1);
    now += 7000;
    await api.sendMessage(CHAT + 1, "on time");
    expect(tg.retryViolations()).toHaveLength(1);
    tg.failNext({ count: 2, error: { code: 500 } });
    await expect(api.getMe()).rejects.toThrow(/Internal Server Error/);
    await expect(api.getMe()).rejects.toThrow(/Internal Server Error/);
    await expect(api.getMe()).resolves.toMatchObject({ is_bot: true });
  });

  it("lets the bot delete both sides of a private chat, and emulates a user who blocked the bot", async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    await tg.userSends(CHAT, "my secret answer");
    const reply = await api.sendMessage(CHAT, "noted");
    const ids = tg.chatHistory(CHAT).map((m) => m.message_id);
    expect(ids).toEqual([1, reply.message_id]);
    expect(await api.deleteMessages(CHAT, ids)).toBe(true);
    expect(tg.chatHistory(CHAT)).toEqual([]);
    expect(tg.calls("deleteMessages")[0]?.params.message_ids).toEqual(ids);

    tg.userBlocksBot(CHAT);
    const blocked = (await api.sendMessage(CHAT, "x").catch((e: unknown) => e)) as GrammyError;
    expect(blocked.error_code).toBe(403);
    expect(blocked.description).toBe("Forbidden: bot was blocked by the user");
    tg.userUnblocksBot(CHAT);
    await expect(api.sendMessage(CHAT, "back")).resolves.toMatchObject({ text: "back" });
  });

  it("chaos mode fails a seeded share of sends and a client honouring retry_after never violates it", async () => {
    tg.chaos({ method: "sendMessage", probability: 1 / 3, retryAfter: 2, seed: 42 });
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    let failures = 0;
    for (let i = 0; i < 30; i += 1) {
      const chat = CHAT + (i % 3);
      for (;;) {
        const until = tg.retryAfterUntil(chat);
        if (until !== undefined && now < until) now = until; // the "client" waits on the fake clock
        const result = await api.sendMessage(chat, `m${i}`).catch((e: unknown) => e);
        if (!(result instanceof GrammyError)) break;
        expect(result.error_code).toBe(429);
        failures += 1;
      }
    }
    expect(failures).toBeGreaterThan(0);
    expect(tg.retryViolations()).toEqual([]);
    expect(tg.messagesTo(CHAT).length + tg.messagesTo(CHAT + 1).length + tg.messagesTo(CHAT + 2).length).toBe(
      30,
    );
  });

  it("enforces a per-chat rate when asked", async () => {
    const limited = await startTelegramStandIn({
      clock: () => now,
      rateLimit: { perChatPerSecond: 1, perChatBurst: 1 },
    });
    try {
      const api = new Api(limited.token, { apiRoot: limited.apiRoot });
      await api.sendMessage(CHAT, "a");
      const error = (await api.sendMessage(CHAT, "b").catch((e: unknown) => e)) as GrammyError;
      expect(error.error_code).toBe(429);
      await api.sendMessage(CHAT + 1, "other chat");
      now += 1000;
      await api.sendMessage(CHAT, "c");
    } finally {
      await limited.close();
    }
  });

  it("stores webhooks and delivers user updates with the secret header", async () => {
    const received: Array<{ secret: string | undefined; body: unknown }> = [];
    const app = createServer((req, res) => {
      readBody(req).then((body) => {
        const secret = req.headers["x-telegram-bot-api-secret-token"];
        received.push({ secret: typeof secret === "string" ? secret : undefined, body: JSON.parse(body) });
        res.writeHead(secret === "s3cret" ? 200 : 401).end();
      });
    });
    const local = await listenLoopback(app, 0);
    try {
      const api = new Api(tg.token, { apiRoot: tg.apiRoot });
      await api.setWebhook(`${local}/webhooks/telegram`, {
        secret_token: "s3cret",
        allowed_updates: ["message", "callback_query"],
        max_connections: 10,
      });
      expect(await api.getWebhookInfo()).toMatchObject({
        url: `${local}/webhooks/telegram`,
        allowed_updates: ["message", "callback_query"],
        max_connections: 10,
      });
      const sent = await tg.userSends(CHAT, "/start");
      expect(sent.status).toBe(200);
      expect(sent.update).toMatchObject({
        message: {
          text: "/start",
          chat: { id: CHAT, type: "private" },
          from: { id: CHAT, is_bot: false, first_name: "Defender", language_code: "en" },
          entities: [{ offset: 0, length: 6, type: "bot_command" }],
        },
      });
      const reply = await api.sendMessage(CHAT, "pick", {
        reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
      });
      const press = await tg.userPresses(CHAT, reply.message_id, "a");
      expect(press.update).toMatchObject({
        callback_query: { data: "a", message: { message_id: reply.message_id } },
      });
      const callbackId = (press.update.callback_query as { id: string }).id;
      expect(await api.answerCallbackQuery(callbackId)).toBe(true);
      expect(tg.answeredCallbacks()).toEqual([callbackId]);

      const wrong = await tg.postRawUpdate(sent.update, { secret: "nope" });
      expect(wrong.status).toBe(401);
      const missing = await tg.postRawUpdate(sent.update, { secret: null });
      expect(missing.status).toBe(401);
      expect(received[3]?.secret).toBeUndefined();
      const photo = await tg.userSendsPhoto(CHAT);
      expect(photo.update).toMatchObject({ message: { photo: [{ width: 90 }, { width: 1280 }] } });
      await tg.userSendsVoice(CHAT);
      await tg.userSendsSticker(CHAT);
      await tg.userSendsLocation(CHAT, 1.5, 2.5);
      await tg.userSendsDocument(CHAT, "evidence.pdf");
      expect(received).toHaveLength(9);
      const ids = received.map((r) => (r.body as { update_id: number }).update_id);
      expect(ids[3]).toBe(ids[0]); // the replay carries the same update_id
      expect(ids[4]).toBeGreaterThan(ids[1] ?? 0);
      expect(await api.deleteWebhook()).toBe(true);
      expect(tg.webhookInfo()).toBeUndefined();
    } finally {
      await closeServer(app);
    }
  });

  it("drives a real grammY webhook on fastify, which checks the secret token", async () => {
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    await bot.init();
    bot.command("start", (ctx) => ctx.reply("welcome"));
    bot.callbackQuery("go", async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText("went");
    });
    const app = Fastify();
    app.post("/webhooks/telegram", webhookCallback(bot, "fastify", { secretToken: "right_secret" }));
    const local = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      tg.routeWebhookTo(`${local}/webhooks/telegram`);
      await bot.api.setWebhook("https://intake.example.org/webhooks/telegram", {
        secret_token: "right_secret",
      });
      const start = await tg.userSends(CHAT, "/start");
      expect(start.status).toBe(200);
      expect(tg.messagesTo(CHAT).map((m) => m.text)).toEqual(["welcome"]);
      const message = tg.messagesTo(CHAT)[0];
      const press = await tg.userPresses(CHAT, message?.message_id ?? 0, "go");
      expect(press.status).toBe(200);
      expect(tg.answeredCallbacks()).toHaveLength(1);
      expect(tg.messagesTo(CHAT).map((m) => m.text)).toEqual(["went"]);

      const forged = await tg.postRawUpdate(start.update, { secret: "wrong_secret" });
      expect(forged.status).toBe(401);
      const missing = await tg.postRawUpdate(start.update, { secret: null });
      expect(missing.status).toBe(401);
      expect(tg.calls("sendMessage")).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it("feeds a polling grammY bot through getUpdates", async () => {
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    bot.start({ timeout: 1 });
    try {
      await tg.userSends(CHAT, "hi there");
      const reply = await tg.waitFor(
        () => tg.messagesTo(CHAT).find((m) => m.text === "echo: hi there"),
        10_000,
      );
      expect(reply.fromBot).toBe(true);
      expect(tg.calls("getUpdates").length).toBeGreaterThan(0);
    } finally {
      await bot.stop();
    }
  });
});
