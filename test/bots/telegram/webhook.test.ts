import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessageLog } from "../../../bots/telegram/message-log.js";
import { createTelegramWebhook } from "../../../bots/telegram/webhook.js";
import { lookupHash } from "../../../src/crypto/index.js";
import { createLogger } from "../../../src/log/index.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";
import { type Rig, startRig, WEBHOOK_SECRET } from "./harness.js";

const keys = await makeTestKeys();
const testRedis = useTestRedis();
const CHAT = 5_550_001_234;

describe("Telegram webhook", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ keys, redis: testRedis.redis(), url: testRedis.url, prefix: testRedis.prefix });
  });
  afterAll(async () => {
    await rig.close();
  });

  it("refuses to build without a secret", () => {
    const options = {
      token: rig.tg.token,
      apiRoot: rig.tg.apiRoot,
      ingress: rig.ingress,
      lookup: keys.serve.lookup,
      log: createLogger({ level: "silent" }),
    };
    expect(() => createTelegramWebhook({ ...options, secretToken: "" })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(() => createTelegramWebhook({ ...options, secretToken: "has spaces" })).toThrow(
      /TELEGRAM_WEBHOOK_SECRET/,
    );
  });

  it("answers 401 to a missing or wrong secret and processes nothing", async () => {
    const update = {
      update_id: 900_000_001,
      message: {
        message_id: 1,
        date: 1_780_000_000,
        chat: { id: CHAT, type: "private", first_name: "Canary" },
        from: { id: CHAT, is_bot: false, first_name: "Canary" },
        text: "/start",
      },
    };
    // BullMQ writes its queues' meta keys when they open (in the background); nothing else may appear.
    const written = async () => (await testRedis.keys()).filter((k) => !/:bull:[a-z-]+:meta$/.test(k));
    const missing = await rig.tg.postRawUpdate(update, { secret: null });
    const wrong = await rig.tg.postRawUpdate(update, { secret: `${WEBHOOK_SECRET}x` });
    const almost = await rig.tg.postRawUpdate(update, { secret: WEBHOOK_SECRET.replace(/.$/, "Q") });
    expect([missing.status, wrong.status, almost.status]).toEqual([401, 401, 401]);
    await rig.ingress.idle();
    expect(await written()).toEqual([]);
    expect(rig.tg.calls("sendMessage")).toEqual([]);
  });

  it("applies an update posted twice once", async () => {
    const first = await rig.tg.userSends(CHAT, "/start");
    expect(first.status).toBe(200);
    const again = await rig.tg.postRawUpdate(first.update);
    expect(again.status).toBe(200);
    await rig.ingress.idle();
    const jobs = await rig.queues["outbound-telegram"].getJobs(["waiting", "delayed", "active", "completed"]);
    expect(jobs).toHaveLength(1);
    // Job data names the recipient by lookup hash only; the chat id is inside the sealed envelope.
    const job = jobs[0];
    expect(job?.data.recipient).toBe(lookupHash(keys.serve.lookup, "telegram", String(CHAT)));
    expect(JSON.stringify(job?.data)).not.toContain(String(CHAT));
  });

  it("keeps the incoming message id, sealed, for /wipe, once the message is applied", async () => {
    const chat = CHAT + 1;
    const sent = await rig.tg.userSends(chat, "hello");
    expect(sent.status).toBe(200);
    await rig.ingress.idle();
    const messageId = (sent.update.message as { message_id: number }).message_id;
    const workerLog = createMessageLog({
      redis: testRedis.redis(),
      prefix: testRedis.prefix,
      outbound: keys.work.outbound,
    });
    const sender = lookupHash(keys.serve.lookup, "telegram", String(chat));
    expect(await workerLog.idsYoungerThan48h(sender)).toEqual([messageId]);
  });

  it("answers a button press and passes it on as a choice", async () => {
    const chat = CHAT + 2;
    await rig.tg.userSends(chat, "/start");
    await rig.ingress.idle();
    const pressed = await rig.tg.userPresses(chat, 1, "c|language|fr");
    expect(pressed.status).toBe(200);
    const id = (pressed.update.callback_query as { id: string }).id;
    await rig.tg.waitFor(() => rig.tg.answeredCallbacks().includes(id));
    await rig.ingress.idle();
    const jobs = await rig.queues["outbound-telegram"].getJobs(["waiting", "delayed", "active", "completed"]);
    const recipient = lookupHash(keys.serve.lookup, "telegram", String(chat));
    // /start, then the language choice: two turns, two outbound jobs.
    expect(jobs.filter((j) => j.data.recipient === recipient)).toHaveLength(2);
  });

  it("refuses bodies over the small limit", async () => {
    const res = await rig.app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
      payload: JSON.stringify({ update_id: 1, padding: "x".repeat(200 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
  });

  it("ignores group chats", async () => {
    const before = (await rig.queues["outbound-telegram"].getJobs(["waiting", "completed"])).length;
    const res = await rig.tg.postRawUpdate({
      update_id: 900_000_100,
      message: {
        message_id: 7,
        date: 1_780_000_000,
        chat: { id: -100_123, type: "group", title: "g" },
        from: { id: CHAT + 3, is_bot: false, first_name: "G" },
        text: "/start",
      },
    });
    expect(res.status).toBe(200);
    await rig.ingress.idle();
    expect((await rig.queues["outbound-telegram"].getJobs(["waiting", "completed"])).length).toBe(before);
  });
});

describe("Telegram webhook under load", () => {
  const busyRedis = useTestRedis();
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      keys,
      redis: busyRedis.redis(),
      url: busyRedis.url,
      prefix: busyRedis.prefix,
      limits: { globalPerSecond: 0 },
    });
  });
  afterAll(async () => {
    await rig.close();
  });

  it("answers 429 when the ingress is busy, so Telegram delivers again", async () => {
    const res = await rig.tg.userSends(CHAT + 10, "/start");
    expect(res.status).toBe(429);
    await rig.ingress.idle();
    expect(await rig.queues["outbound-telegram"].count()).toBe(0);
  });
});
