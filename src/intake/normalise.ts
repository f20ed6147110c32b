/**
 * Text normalisation for tolerant matching: what a defender types on a basic phone rarely matches a label
 * exactly (case, accents, Arabic-Indic or Persian digits, stray punctuation).
 */

const arabicIndicZero = 0x0660;
const persianZero = 0x06f0;

/** Turns Arabic-Indic (٠-٩) and Persian (۰-۹) digits into ASCII digits. */
export function asciiDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => {
    const code = d.charCodeAt(0);
    const base = code >= persianZero ? persianZero : arabicIndicZero;
    return String(code - base);
  });
}

/**
 * Removes Unicode format characters (category Cf: RLM, LRM, ALM, ZWSP, ZWJ, ZWNJ, BOM, bidi embeddings,
 * overrides and isolates). RTL keyboards and copy-paste put them before or inside words, invisibly; for
 * matching they carry nothing. Free-text answers keep them (a Persian ZWNJ is part of the spelling).
 */
export function withoutFormatCharacters(text: string): string {
  return text.replace(/\p{Cf}/gu, "");
}

/**
 * Lower case, no diacritics (also Arabic hamza seats and harakat), ASCII digits, single spaces,
 * no punctuation at the ends. Used on both sides of every comparison.
 */
export function normalise(text: string): string {
  return asciiDigits(withoutFormatCharacters(text))
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/\u0640/g, "") // Arabic tatweel
    .replace(/[\u0629]/g, "\u0647") // teh marbuta -> heh
    .replace(/[\u0649]/g, "\u064a") // alef maksura -> yeh
    .toLowerCase()
    .replace(/[\u2019'`´]/g, "'")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[\s.,;:!?¡¿()"«»\-–—/]+|[\s.,;:!?¡¿()"«»\-–—/]+$/g, "");
}

/** Splits normalised text into word tokens (letters and digits of any script). */
export function tokens(normalised: string): string[] {
  return normalised.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}
