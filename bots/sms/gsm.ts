/**
 * GSM-7 where the language allows. One letter outside the GSM 03.38 alphabet turns a whole SMS into UCS-2
 * (70 characters a segment instead of 160). Latin-script text (en, fr, es) is folded to GSM-7 when that
 * makes ALL of it GSM-7: typographic punctuation to ASCII (as Twilio's Smart Encoding does), and accented
 * letters GSM-7 lacks to their base letter (á → a, ç → c, ê → e; é è à ù ñ ü ¿ ¡ exist and stay).
 * Arabic and Cyrillic text cannot be folded and is left as it is, as is any text that would stay UCS-2.
 */

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED = "^{}\\[~]|€\f";
const gsmChars = new Set([...GSM7_BASIC, ...GSM7_EXTENDED]);

/** Punctuation and spaces with a GSM-7 equivalent (what Smart Encoding replaces). */
const punctuation: Record<string, string> = {
  "\u00a0": " ",
  "\u2000": " ",
  "\u2001": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2004": " ",
  "\u2005": " ",
  "\u2006": " ",
  "\u2007": " ",
  "\u2008": " ",
  "\u2009": " ",
  "\u200a": " ",
  "\u202f": " ",
  "\u205f": " ",
  "\u200b": "",
  "\u2060": "",
  "\ufeff": "",
  "\u2018": "'",
  "\u2019": "'",
  "\u201a": "'",
  "\u2032": "'",
  "\u02bc": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u201e": '"',
  "\u00ab": '"',
  "\u00bb": '"',
  "\u2039": "'",
  "\u203a": "'",
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u2015": "-",
  "\u2212": "-",
  "\u2026": "...",
  "\u2022": "-",
  "\u00b7": ".",
  "\u02c6": "^",
  "\u02dc": "~",
  "\u0152": "OE",
  "\u0153": "oe",
};

/** Whether every character of `text` is in the GSM-7 default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!gsmChars.has(ch)) return false;
  return true;
}

function foldChar(ch: string): string {
  if (gsmChars.has(ch)) return ch;
  const mapped = punctuation[ch];
  if (mapped !== undefined) return mapped;
  // A Latin letter with a diacritic GSM-7 lacks: keep the base letter (strip combining marks).
  const base = ch.normalize("NFD").replace(/\p{M}+/gu, "");
  return base.length > 0 && isGsm7(base) ? base : ch;
}

/** The GSM-7 form of `text` when one exists; otherwise `text` unchanged (it goes as UCS-2). */
export function toGsm7WherePossible(text: string): string {
  if (isGsm7(text)) return text;
  let folded = "";
  for (const ch of text) {
    folded += foldChar(ch);
  }
  return isGsm7(folded) ? folded : text;
}
