import { describe, expect, it } from "vitest";
import { localeSource, messageIds, t } from "../../../src/i18n/translate.js";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";
import { langs } from "../../../src/intake/messages.js";
import { promptCatalogue } from "../../../src/intake/prompt-catalogue.js";
import { renderPlainText } from "../../../src/intake/render-text.js";

/** Literal labels live in en.ftl only (the language menu shows each language in its own name). */
const englishOnly = (id: string): boolean => id.startsWith("lang-");

describe("locales", () => {
  const english = messageIds("en").filter((id) => !englishOnly(id));

  it.each(langs)("%s has every message, and nothing more", (lang) => {
    expect(
      messageIds(lang)
        .filter((id) => !englishOnly(id))
        .sort(),
    ).toEqual([...english].sort());
  });

  it("has every id the default flow uses", () => {
    for (const step of defaultFlow.steps) {
      expect(english).toContain(step.prompt);
      if (step.label) expect(english).toContain(step.label);
      if (step.kind === "choice") {
        for (const o of step.options) expect(messageIds("en")).toContain(o.label);
      }
    }
  });

  it.each(langs)("%s renders without isolation marks, emoji or markup", (lang) => {
    for (const { reply } of promptCatalogue(defaultFlow, lang)) {
      const text = renderPlainText(reply);
      expect(text).not.toMatch(/[\u2068\u2069\u200e\u200f]/);
      expect(text).not.toMatch(/\p{Extended_Pictographic}/u);
      expect(text).not.toMatch(/[<>*_]{1}\w/);
    }
    expect(localeSource(lang).length).toBeGreaterThan(1000);
  });

  it("Arabic prompts start with Arabic letters, so plain text reads right to left", () => {
    for (const { id, reply } of promptCatalogue(defaultFlow, "ar")) {
      if (id === "language") continue;
      const firstStrong = /[\p{L}]/u.exec(reply.text)?.[0] ?? "";
      expect(firstStrong, id).toMatch(/\p{Script=Arabic}/u);
    }
  });

  it("puts arguments in as given", () => {
    for (const lang of langs)
      expect(t(lang, "submit-done", { reference: "ABCD-EFGH" })).toContain("ABCD-EFGH");
  });
});
