import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../src/intake/commands.js";
import type { CommandName } from "../../../src/intake/messages.js";
import { normalise } from "../../../src/intake/normalise.js";

// Row 39: RTL keyboards and copy-paste put invisible Unicode format characters (category Cf) before or inside
// words. A defender who types "delete" must be able to delete, whatever their keyboard added.
const formatCharacters: Array<[string, string]> = [
  ["RLM", "\u200f"],
  ["LRM", "\u200e"],
  ["ZWSP", "\u200b"],
  ["ZWJ", "\u200d"],
  ["ZWNJ", "\u200c"],
  ["BOM", "\ufeff"],
  ["RLO", "\u202e"],
  ["LRO", "\u202d"],
  ["RLE", "\u202b"],
  ["PDF", "\u202c"],
  ["RLI", "\u2067"],
  ["PDI", "\u2069"],
  ["ALM", "\u061c"],
];

const commandWords: Array<[string, string, CommandName]> = [
  ["en", "delete", "delete"],
  ["fr", "supprimer", "delete"],
  ["es", "borrar", "delete"],
  ["ar", "حذف", "delete"],
  ["ru", "удалить", "delete"],
  ["en", "help", "help"],
  ["fr", "aide", "help"],
  ["es", "ayuda", "help"],
  ["ar", "مساعدة", "help"],
  ["ru", "помощь", "help"],
  ["en", "/delete", "delete"],
];

function insideOf(word: string, mark: string): string {
  const chars = [...word];
  const at = chars[0] === "/" ? 2 : 1;
  return [...chars.slice(0, at), mark, ...chars.slice(at)].join("");
}

describe("commands survive invisible format characters (row 39)", () => {
  for (const [name, mark] of formatCharacters) {
    for (const [lang, word, command] of commandWords) {
      it(`${name} before, after and inside "${word}" (${lang})`, () => {
        expect(parseCommand(`${mark}${word}`)).toBe(command);
        expect(parseCommand(`${word}${mark}`)).toBe(command);
        expect(parseCommand(insideOf(word, mark))).toBe(command);
        expect(parseCommand(`${mark}${mark}${word}`, lang as never)).toBe(command);
      });
    }
  }

  it("a message of format characters only is not a command", () => {
    expect(parseCommand("\u200f\u200b\ufeff")).toBeUndefined();
  });

  it("normalise drops every format character on both sides of a comparison", () => {
    const marks = formatCharacters.map(([, m]) => m).join("");
    expect(normalise(`${marks}Oui${marks}`)).toBe("oui");
    expect(normalise("نعم\u200f")).toBe(normalise("نعم"));
  });
});

describe("both channels read commands through the same stripping (row 39)", () => {
  it("Telegram: an RLM before /delete or /start still gives the command", async () => {
    const { textBody } = await import("../../../bots/telegram/normalise-update.js");
    expect(textBody("\u200f/delete")).toEqual({ kind: "command", command: "delete" });
    expect(textBody("\u200f\u200bحذف")).toEqual({ kind: "command", command: "delete" });
    expect(textBody("\u202e/start ar")).toEqual({ kind: "command", command: "start", payload: "ar" });
  });

  it("SMS: a BOM or ZWJ inside STOP is still an opt-out", async () => {
    const { smsKeyword } = await import("../../../bots/sms/keywords.js");
    expect(smsKeyword("\ufeffSTOP", undefined, false)).toBe("stop");
    expect(smsKeyword("ST\u200dOP", undefined, false)).toBe("stop");
  });
});
