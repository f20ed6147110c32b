import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { maxSmsText, normaliseSmsText, toInbound } from "../../../bots/sms/inbound.js";
import { smsKeyword } from "../../../bots/sms/keywords.js";
import { normalisePhone } from "../../../bots/sms/phone.js";
import { lookupHash, lookupHashes } from "../../../src/crypto/index.js";
import { makeTestKeys } from "../../support/keys.js";

const keys = await makeTestKeys();
const sid = () => `SM${randomBytes(16).toString("hex")}`;

describe("phone numbers: every format of one number gives one E.164 and one lookup hash", () => {
  const table: Array<{ e164: string; country?: string; forms: string[] }> = [
    {
      e164: "+33612345678",
      country: "FR",
      forms: [
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33-6-12-34-56-78",
        "0033612345678",
        "06 12 34 56 78",
        "(+33) 6.12.34.56.78",
      ],
    },
    {
      e164: "+254712345678",
      country: "KE",
      forms: ["+254712345678", "+254 712 345 678", "0712 345678", "000254712345678"],
    },
    {
      e164: "+12025550123",
      country: "US",
      forms: ["+1 (202) 555-0123", "+12025550123", "(202) 555-0123", "202-555-0123"],
    },
    { e164: "+79161234567", country: "RU", forms: ["+7 916 123-45-67", "8 916 123 45 67", "+79161234567"] },
    { e164: "+201001234567", country: "EG", forms: ["+20 100 123 4567", "0100 123 4567", "+201001234567"] },
    { e164: "+573001234567", country: "CO", forms: ["+57 300 1234567", "300 1234567", "+573001234567"] },
  ];
  it.each(table)("$e164", ({ e164, country, forms }) => {
    const hash = lookupHash(keys.serve.lookup, "phone", e164);
    for (const form of forms) {
      const normalised = normalisePhone(form, country);
      expect(normalised, form).toBe(e164);
      expect(lookupHash(keys.serve.lookup, "phone", normalised ?? "")).toBe(hash);
    }
  });

  it.each(["12", "+1", "+1555", "+999123456789", "0000", "not a number", "", "+33 6 12", "+4412345"])(
    "rejects %j",
    (raw) => {
      expect(normalisePhone(raw)).toBeUndefined();
      expect(normalisePhone(raw, "FR")).toBeUndefined();
    },
  );
});

describe("keywords", () => {
  it.each([
    ["STOP", undefined, "stop"],
    ["stop", undefined, "stop"],
    ["Unsubscribe", undefined, "stop"],
    ["QUIT", undefined, "stop"],
    ["Arrêt", undefined, "stop"],
    ["PARAR", undefined, "stop"],
    ["توقف", undefined, "stop"],
    ["СТОП", undefined, "stop"],
    ["START", undefined, "unstop"],
    ["unstop", undefined, "unstop"],
    ["reprendre", undefined, "unstop"],
    ["HELP", undefined, "help"],
    ["info", undefined, "help"],
    ["aide", undefined, "help"],
    ["ayuda", undefined, "help"],
    ["помощь", undefined, "help"],
    ["stop please", "STOP", "stop"],
    ["YES", "START", undefined],
    ["START", "START", "unstop"],
    ["Help me", "HELP", "help"],
    ["back", undefined, undefined],
    ["1", undefined, undefined],
    ["I want to stop them", undefined, undefined],
  ] as const)("%j (OptOutType %s) → %s", (text, optOutType, expected) => {
    expect(smsKeyword(text, optOutType, false)).toBe(expected);
  });

  it("YES with OptOutType START is an opt-in only for an opted-out sender", () => {
    expect(smsKeyword("YES", "START", true)).toBe("unstop");
    expect(smsKeyword("YES", "START", false)).toBeUndefined();
  });
});

describe("toInbound", () => {
  const deps = (optedOut = false) => ({
    lookup: keys.serve.lookup,
    now: 1_700_000_000_000,
    isOptedOut: async () => optedOut,
  });
  const form = (extra: Record<string, string>) => ({
    MessageSid: sid(),
    From: "+33612345678",
    To: "+15005550006",
    Body: "hello",
    NumMedia: "0",
    ...extra,
  });

  it("builds an Inbound with the lookup hash as sender and E.164 only as address", async () => {
    const f = form({ From: "+33 6 12 34 56 78", Body: "Bonjour" });
    const parsed = await toInbound(f, deps());
    expect(parsed).toEqual({
      ok: true,
      e164: "+33612345678",
      inbound: {
        channel: "sms",
        sender: lookupHash(keys.serve.lookup, "phone", "+33612345678"),
        // The test keys are in their first epoch: the generated key is the previous one.
        previousSenders: lookupHashes(keys.serve.lookup, "phone", "+33612345678")
          .slice(1)
          .map((h) => h.hash),
        address: "+33612345678",
        providerId: f.MessageSid,
        receivedAt: 1_700_000_000_000,
        body: { kind: "text", text: "Bonjour" },
      },
    });
  });

  it("NFC-normalises, drops control characters and bounds the length", async () => {
    expect(normaliseSmsText("Cafe\u0301\u0000\r\nok\tnow")).toBe("Café\nok now");
    const long = "é".repeat(maxSmsText + 50);
    expect(Array.from(normaliseSmsText(long))).toHaveLength(maxSmsText);
    const parsed = await toInbound(form({ Body: long }), deps());
    expect(
      parsed.ok && parsed.inbound.body.kind === "text" && Array.from(parsed.inbound.body.text).length,
    ).toBe(maxSmsText);
  });

  it("maps keywords to commands and MMS to unsupported", async () => {
    const body = async (extra: Record<string, string>, optedOut = false) => {
      const parsed = await toInbound(form(extra), deps(optedOut));
      return parsed.ok ? parsed.inbound.body : undefined;
    };
    expect(await body({ Body: "STOP", OptOutType: "STOP" })).toEqual({ kind: "command", command: "stop" });
    expect(await body({ Body: "СТОП" })).toEqual({ kind: "command", command: "stop" });
    expect(await body({ Body: "YES", OptOutType: "START" })).toEqual({ kind: "text", text: "YES" });
    expect(await body({ Body: "YES", OptOutType: "START" }, true)).toEqual({
      kind: "command",
      command: "unstop",
    });
    expect(await body({ Body: "see photo", NumMedia: "2", MediaUrl0: "https://x/y" })).toEqual({
      kind: "unsupported",
      what: "mms",
    });
    expect(await body({ Body: "   " })).toEqual({ kind: "unsupported", what: "empty" });
  });

  it("rejects a missing MessageSid or an invalid number", async () => {
    expect(await toInbound(form({ MessageSid: "" }), deps())).toEqual({ ok: false, reason: "missing-sid" });
    expect(await toInbound(form({ From: "12" }), deps())).toEqual({ ok: false, reason: "invalid-number" });
  });
});
