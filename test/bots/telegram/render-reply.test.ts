import { describe, expect, it } from "vitest";
import { CALLBACK_DATA_MAX_BYTES, decodeChoice, encodeChoice } from "../../../bots/telegram/callback-data.js";
import { renderReply, splitText, TELEGRAM_TEXT_LIMIT } from "../../../bots/telegram/render-reply.js";
import { defaultFlow, doneOptionId } from "../../../src/intake/index.js";
import type { Reply } from "../../../src/intake/messages.js";

describe("Telegram rendering", () => {
  it("renders single choices as one button per option", () => {
    const reply: Reply = {
      text: "Are you in danger now?",
      lang: "en",
      choices: {
        stepId: "danger_now",
        mode: "single",
        options: [
          { id: "yes", label: "Yes" },
          { id: "no", label: "No" },
        ],
      },
    };
    expect(renderReply(reply)).toEqual([
      {
        text: "Are you in danger now?",
        reply_markup: {
          inline_keyboard: [
            [{ text: "Yes", callback_data: "c|danger_now|yes" }],
            [{ text: "No", callback_data: "c|danger_now|no" }],
          ],
        },
      },
    ]);
  });

  it("renders multi-select as toggles with a Done button", () => {
    const reply: Reply = {
      text: "What threatens you?",
      lang: "en",
      choices: {
        stepId: "threat_types",
        mode: "multiple",
        doneLabel: "Done",
        options: [
          { id: "surveillance", label: "Surveillance", selected: true },
          { id: "detention", label: "Detention", selected: false },
        ],
      },
    };
    const [part] = renderReply(reply);
    expect(part?.reply_markup?.inline_keyboard).toEqual([
      [{ text: "✓ Surveillance", callback_data: "c|threat_types|surveillance" }],
      [{ text: "Detention", callback_data: "c|threat_types|detention" }],
      [{ text: "Done", callback_data: `c|threat_types|${doneOptionId}` }],
    ]);
  });

  it("fits every button of the default flow into 64 bytes and reads it back", () => {
    let checked = 0;
    for (const step of defaultFlow.steps) {
      const ids = [
        ...("options" in step && Array.isArray(step.options) ? step.options.map((o) => o.id) : []),
        "yes",
        "no",
        doneOptionId,
      ];
      for (const id of ids) {
        const data = encodeChoice(step.id, id);
        expect(Buffer.byteLength(data)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
        expect(decodeChoice(data)).toEqual({ stepId: step.id, optionId: id });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(() => encodeChoice("s".repeat(40), "o".repeat(30))).toThrow(/64 bytes/);
    expect(decodeChoice("c|a|b|c")).toBeUndefined();
    expect(decodeChoice("x|a|b")).toBeUndefined();
    expect(decodeChoice("c|a b|c")).toBeUndefined();
  });

  it("splits long text under 4096 characters, keyboard on the last part only", () => {
    const paragraph = `${"word ".repeat(300).trim()}\n\n`;
    const text = paragraph.repeat(8);
    const reply: Reply = {
      text,
      lang: "en",
      choices: { stepId: "review", mode: "single", options: [{ id: "send", label: "Send" }] },
    };
    const parts = renderReply(reply);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(parts.slice(0, -1).every((p) => p.reply_markup === undefined)).toBe(true);
    expect(parts.at(-1)?.reply_markup).toBeDefined();
    expect(
      parts
        .map((p) => p.text)
        .join("")
        .replace(/\s/g, ""),
    ).toBe(text.replace(/\s/g, ""));
  });

  it("splits text without spaces and never cuts a surrogate pair", () => {
    const text = `${"a".repeat(TELEGRAM_TEXT_LIMIT - 1)}😀${"b".repeat(10)}`;
    const parts = splitText(text);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe("a".repeat(TELEGRAM_TEXT_LIMIT - 1));
    expect(parts.join("")).toBe(text);
  });

  it("keeps Arabic right-to-left when a message starts with Latin letters", () => {
    const [latinFirst] = renderReply({ text: "ABCD-1234 رقمك المرجعي", lang: "ar" });
    expect(latinFirst?.text.startsWith("\u200f")).toBe(true);
    const [arabicFirst] = renderReply({ text: "مرحبا ABCD-1234", lang: "ar" });
    expect(arabicFirst?.text).toBe("مرحبا ABCD-1234");
    const [english] = renderReply({ text: "ABCD-1234", lang: "en" });
    expect(english?.text).toBe("ABCD-1234");
  });
});
