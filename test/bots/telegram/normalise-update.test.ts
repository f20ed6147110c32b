import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import { normaliseUpdate, textBody } from "../../../bots/telegram/normalise-update.js";
import { lookupHash, lookupHashes } from "../../../src/crypto/index.js";
import { makeTestKeys } from "../../support/keys.js";

const keys = await makeTestKeys();
const USER = 4_242_000_001;
const deps = { botId: 7_000_000_001, lookup: keys.serve.lookup, now: 1_780_000_000_000 };

function message(fields: Record<string, unknown>, chatType = "private"): Update {
  return {
    update_id: 55,
    message: {
      message_id: 9,
      date: 1_780_000_000,
      chat: { id: USER, type: chatType, first_name: "Canaryname" },
      from: { id: USER, is_bot: false, first_name: "Canaryname" },
      ...fields,
    },
  } as unknown as Update;
}

describe("Telegram normalisation", () => {
  it.each([
    ["/start", { kind: "command", command: "start" }],
    ["/start ar", { kind: "command", command: "start", payload: "ar" }],
    ["/start <script>", { kind: "command", command: "start" }],
    ["/wipe", { kind: "command", command: "wipe" }],
    ["/wipe@hrd_intake_bot", { kind: "command", command: "wipe" }],
    ["wipe", { kind: "command", command: "wipe" }],
    ["/help", { kind: "command", command: "help" }],
    ["AIDE", { kind: "command", command: "help" }],
    ["Atrás", { kind: "command", command: "back" }],
    ["مساعدة", { kind: "command", command: "help" }],
    ["удалить", { kind: "command", command: "delete" }],
    ["/delete", { kind: "command", command: "delete" }],
    ["/nosuchcommand", { kind: "text", text: "/nosuchcommand" }],
    ["I need help with my case", { kind: "text", text: "I need help with my case" }],
  ])("reads %j", (text, body) => {
    expect(textBody(text)).toEqual(body);
  });

  it("makes an Inbound with a hashed sender, the chat as address and <botId>:<update_id>", () => {
    const result = normaliseUpdate(message({ text: "hello" }), deps);
    expect(result).toEqual({
      kind: "inbound",
      inbound: {
        channel: "telegram",
        sender: lookupHash(keys.serve.lookup, "telegram", String(USER)),
        // The test keys are in their first epoch: the generated key is the previous one.
        previousSenders: lookupHashes(keys.serve.lookup, "telegram", String(USER))
          .slice(1)
          .map((h) => h.hash),
        address: String(USER),
        providerId: "7000000001:55",
        chatMessageId: 9,
        receivedAt: deps.now,
        body: { kind: "text", text: "hello" },
      },
    });
    expect(JSON.stringify(result)).not.toContain("Canaryname");
  });

  it.each([
    [
      "photo",
      { photo: [{ file_id: "x", file_unique_id: "y", width: 1, height: 1 }], caption: "Canarycaption" },
    ],
    ["voice", { voice: { file_id: "x", file_unique_id: "y", duration: 1 } }],
    ["document", { document: { file_id: "x", file_unique_id: "y" }, caption: "Canarycaption" }],
    ["sticker", { sticker: { file_id: "x", file_unique_id: "y", type: "regular" } }],
    ["location", { location: { latitude: -1.2921, longitude: 36.8219 } }],
    ["video", { video: { file_id: "x", file_unique_id: "y" } }],
    ["contact", { contact: { phone_number: "+254711000111", first_name: "Canarycontact" } }],
  ])("keeps only the kind of a %s", (what, fields) => {
    const result = normaliseUpdate(message(fields), deps);
    expect(result.kind === "inbound" && result.inbound.body).toEqual({ kind: "unsupported", what });
    const json = JSON.stringify(result);
    for (const leak of ["Canarycaption", "36.8219", "+254711000111", "Canarycontact"]) {
      expect(json).not.toContain(leak);
    }
  });

  it("ignores groups and channels, and says why without ids", () => {
    expect(normaliseUpdate(message({ text: "/start" }, "group"), deps)).toEqual({
      kind: "ignored",
      reason: "not-private",
    });
    expect(normaliseUpdate(message({ text: "/start" }, "supergroup"), deps).kind).toBe("ignored");
    expect(normaliseUpdate({ update_id: 1 } as Update, deps)).toEqual({
      kind: "ignored",
      reason: "unknown-update",
    });
  });

  it("turns a button press into a choice, and unknown data into unsupported", () => {
    const press = (data: string) =>
      ({
        update_id: 56,
        callback_query: {
          id: "cb1",
          from: { id: USER, is_bot: false, first_name: "Canaryname" },
          chat_instance: "1",
          data,
          message: { message_id: 3, date: 0, chat: { id: USER, type: "private" } },
        },
      }) as unknown as Update;
    const ok = normaliseUpdate(press("c|threat_types|surveillance"), deps);
    expect(ok.kind === "inbound" && ok.inbound.body).toEqual({
      kind: "choice",
      stepId: "threat_types",
      optionId: "surveillance",
    });
    expect(ok.kind === "inbound" && ok.callbackQueryId).toBe("cb1");
    const odd = normaliseUpdate(press("something else"), deps);
    expect(odd.kind === "inbound" && odd.inbound.body).toEqual({ kind: "unsupported", what: "button" });
  });
});
