import { describe, expect, it } from "vitest";
import { isGsm7, toGsm7WherePossible } from "../../../bots/sms/gsm.js";
import { measureSms, renderSms, smsCost } from "../../../bots/sms/render.js";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";
import { type Lang, langs, type Reply } from "../../../src/intake/messages.js";
import { promptCatalogue } from "../../../src/intake/prompt-catalogue.js";
import { renderPlainText } from "../../../src/intake/render-text.js";

const reply = (text: string, lang: Lang = "en"): Reply => ({ text, lang });

describe("GSM-7 where the language allows", () => {
  it.each([
    ["Hello, you are safe here.", "Hello, you are safe here."],
    ["Votre sécurité d’abord : répondez « oui ».", 'Votre sécurité d\'abord : répondez " oui ".'],
    ["¿Está en peligro ahora? Sí / No", "¿Esta en peligro ahora? Si / No"],
    ["Reçu. Être en sûreté — c’est l’essentiel…", "Recu. Etre en sureté - c'est l'essentiel..."],
    ["Ñandú, pingüino, ¡ya!", "Ñandú, pingüino, ¡ya!".replace("ú", "u")],
  ])("%s → GSM-7", (input, expected) => {
    const folded = toGsm7WherePossible(input);
    expect(folded).toBe(expected);
    expect(isGsm7(folded)).toBe(true);
  });

  it.each([
    "Вы в безопасности? 1 Да 2 Нет",
    "هل أنت في خطر الآن؟",
    "Language: 1 English 2 Français 3 Español 4 العربية 5 Русский",
  ])("leaves text that cannot be GSM-7 unchanged: %s", (input) => {
    expect(toGsm7WherePossible(input)).toBe(input);
  });

  it("Spanish and French prompts cost fewer segments once folded", () => {
    const text =
      "Cuéntenos brevemente qué amenazas recibió, desde cuándo y quién cree que está detrás de ellas, por favor.";
    expect(measureSms(text).encoding).toBe("UCS-2");
    const [part] = renderSms(reply(text, "es"));
    expect(part?.encoding).toBe("GSM-7");
    expect(part?.segments).toBeLessThan(measureSms(text).segments);
  });
});

describe("splitting long replies", () => {
  it("keeps a reply that fits in 3 segments as one SMS", () => {
    const text = "A short question.\n1 Yes\n2 No";
    expect(renderSms(reply(text))).toEqual([{ text, segments: 1, encoding: "GSM-7" }]);
  });

  it("splits at sentence boundaries into ordered parts of at most 2 segments", () => {
    const sentences = Array.from(
      { length: 14 },
      (_, i) => `This is sentence number ${i + 1} of a long notice.`,
    );
    const text = sentences.join(" ");
    expect(measureSms(text).segments).toBeGreaterThan(3);
    const parts = renderSms(reply(text));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.segments).toBeLessThanOrEqual(2);
      expect(part.text).toMatch(/^This is sentence number \d+ .*\.$/);
      expect(part.segments).toBe(measureSms(part.text).segments);
    }
    // Order and content are kept: joining the parts gives the text back.
    expect(parts.map((p) => p.text).join(" ")).toBe(text);
  });

  it("splits a long UCS-2 text (Russian) the same way, counting UCS-2 segments", () => {
    const text = Array.from(
      { length: 10 },
      (_, i) => `Это предложение номер ${i + 1} длинного сообщения.`,
    ).join(" ");
    const parts = renderSms(reply(text, "ru"));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.encoding).toBe("UCS-2");
      expect(part.segments).toBeLessThanOrEqual(2);
    }
    expect(parts.map((p) => p.text).join(" ")).toBe(text);
  });

  it("keeps numbered options on their own lines, each whole", () => {
    const options = Array.from({ length: 12 }, (_, i) => ({
      id: `o${i}`,
      label: `Option label number ${i + 1} here`,
    }));
    const r: Reply = {
      text: "Which of these apply to your situation? Choose all that apply, separated by spaces.",
      lang: "en",
      choices: { stepId: "s", mode: "single", options },
    };
    const parts = renderSms(r);
    const lines = parts.flatMap((p) => p.text.split("\n"));
    for (let i = 1; i <= 12; i++) expect(lines).toContain(`${i} Option label number ${i} here`);
    for (const part of parts) expect(part.segments).toBeLessThanOrEqual(3);
  });

  it("a single sentence longer than a part is cut between words", () => {
    const text = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
    const parts = renderSms(reply(text));
    for (const part of parts) expect(part.segments).toBeLessThanOrEqual(2);
    expect(parts.map((p) => p.text).join(" ")).toBe(text);
  });

  it("cost is the total number of segments over all parts", () => {
    const text = Array.from(
      { length: 14 },
      (_, i) => `Sentence ${i + 1} of a long notice for the defender.`,
    ).join(" ");
    const parts = renderSms(reply(text));
    expect(smsCost(reply(text))).toBe(parts.reduce((n, p) => n + p.segments, 0));
  });
});

describe("every default-flow prompt through the final SMS rendering", () => {
  const cases = langs.flatMap((lang) =>
    promptCatalogue(defaultFlow, lang).map(({ id, reply: r }) => ({ id, lang, r })),
  );

  it("covers the catalogue in five languages", () => {
    expect(cases.length).toBeGreaterThan(200);
  });

  it.each(cases)("$id in $lang: one SMS of at most 3 segments, never more than plain text", ({ r }) => {
    const parts = renderSms(r);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.segments).toBeLessThanOrEqual(3);
    expect(parts[0]?.segments).toBeLessThanOrEqual(measureSms(renderPlainText(r)).segments);
  });

  it("English, French and Spanish prompts are GSM-7 (the language menu excepted)", () => {
    const ucs = cases
      .filter((c) => c.lang === "en" || c.lang === "fr" || c.lang === "es")
      .filter((c) => renderSms(c.r)[0]?.encoding !== "GSM-7")
      .map((c) => `${c.lang}:${c.id}`);
    expect(ucs).toEqual(["en:language", "fr:language", "es:language"]);
  });
});
