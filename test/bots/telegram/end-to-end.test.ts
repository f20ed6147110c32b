/**
 * End to end over HTTP: real Update JSON posted by the Bot API stand-in to the webhook (with the secret
 * header), the real ingress and engine, the real outbound worker with the grammY sender, real keys and
 * Redis. Replies are read back from the stand-in; buttons are pressed as callback queries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageLogKeys } from "../../../bots/telegram/message-log.js";
import { lookupHash } from "../../../src/crypto/index.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";
import {
  ANSWERS,
  buttonsOf,
  dumpRedis,
  FIRST_NAME,
  pick,
  REFERENCE,
  type Rig,
  settle,
  startRig,
} from "./harness.js";

const keys = await makeTestKeys();
const testRedis = useTestRedis();

const CHAT = 8_123_456_789;

describe("Telegram end to end", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      keys,
      redis: testRedis.redis(),
      url: testRedis.url,
      prefix: testRedis.prefix,
      worker: true,
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it("runs a whole intake over HTTP to a reference code and one screening job", async () => {
    const { tg } = rig;
    const user = { firstName: FIRST_NAME, languageCode: "en" };
    expect((await tg.userSends(CHAT, "/start", user)).status).toBe(200);
    let reference: string | undefined;
    for (let turn = 0; turn < 80 && !reference; turn++) {
      await settle(rig);
      const last = tg.messagesTo(CHAT).at(-1);
      const text = last?.text ?? "";
      reference = REFERENCE.exec(text)?.[1];
      if (reference) break;
      const buttons = buttonsOf(last);
      if (buttons.length > 0) {
        const res = await tg.userPresses(CHAT, last?.message_id ?? 0, pick(buttons), user);
        expect(res.status).toBe(200);
      } else {
        const answer = ANSWERS.find(([prompt]) => prompt.test(text))?.[1];
        if (!answer) throw new Error(`no planned answer for a prompt (turn ${turn})`);
        expect((await tg.userSends(CHAT, answer, user)).status).toBe(200);
      }
    }
    expect(reference).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await rig.queues.screening.count()).toBe(1);
    // Every button press was answered; no call ever carried a parse_mode.
    const presses = tg.calls("answerCallbackQuery");
    expect(presses.length).toBeGreaterThan(5);
    await tg.waitFor(() => presses.every((c) => c.ok) && tg.calls("answerCallbackQuery").every((c) => c.ok));
    for (const call of tg.calls()) expect(call.params).not.toHaveProperty("parse_mode");
  });

  it("/wipe deletes every message of the chat, both sides, and forgets their ids", async () => {
    const { tg } = rig;
    const before = tg.chatHistory(CHAT);
    expect(before.some((m) => m.fromBot)).toBe(true);
    expect(before.some((m) => !m.fromBot)).toBe(true);
    const wipe = await tg.userSends(CHAT, "/wipe");
    expect(wipe.status).toBe(200);
    const wipeId = (wipe.update.message as { message_id: number }).message_id;
    await settle(rig);

    const deleted = new Set(
      tg
        .calls("deleteMessages")
        .filter((c) => Number(c.params.chat_id) === CHAT)
        .flatMap((c) => c.params.message_ids as number[]),
    );
    for (const m of before) expect(deleted.has(m.message_id)).toBe(true);
    expect(deleted.has(wipeId)).toBe(true);
    for (const c of tg.calls("deleteMessages"))
      expect((c.params.message_ids as number[]).length).toBeLessThanOrEqual(100);

    // Only the confirmation is left, and its deletion is scheduled.
    const left = tg.chatHistory(CHAT);
    expect(left).toHaveLength(1);
    expect(left[0]?.fromBot).toBe(true);
    const sender = lookupHash(keys.serve.lookup, "telegram", String(CHAT));
    const k = messageLogKeys(testRedis.prefix, sender);
    expect(await testRedis.redis().exists(k.log, k.wiping)).toBe(0);
    const delayed = await rig.queues["outbound-telegram"].getDelayed();
    expect(delayed.filter((j) => j.data.recipient === sender)).toHaveLength(1);
    await delayed[0]?.promote();
    await settle(rig);
    expect(tg.chatHistory(CHAT)).toEqual([]);
  });

  it("leaves no name, chat id, user id or answer anywhere in Redis", async () => {
    const dump = await dumpRedis(testRedis.redis(), testRedis.prefix);
    expect(dump.length).toBeGreaterThan(1000);
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
    for (const canary of canaries) expect(dump).not.toContain(canary);
  });
});
