import { asciiDigits, normalise } from "./normalise.js";

/**
 * Readers for typed answers, shared by both channels: the numbered options SMS shows, the option's own
 * word in the current language, yes/no words of every language. Each returns `undefined` when it cannot
 * read the answer, so the engine re-prompts.
 */

/** A choice option as the reader sees it: its id and the words that pick it. */
export interface ReadableOption {
  id: string;
  words: string[];
}

/**
 * Normalised option words and fixed word lists, computed once: every answer was compared against every
 * option word of every language, normalising each again (a few percent of an apply's CPU under a burst).
 * Only flow data is cached here, never what a defender typed.
 */
const normalisedWords = new Map<string, string>();
function normalisedWord(word: string): string {
  let n = normalisedWords.get(word);
  if (n === undefined) {
    n = normalise(word);
    // Flows are data from a few files; the bound only guards against a flow built from unbounded input.
    if (normalisedWords.size < 10_000) normalisedWords.set(word, n);
  }
  return n;
}

const yesWords = new Set(
  ["yes", "y", "yeah", "ok", "oui", "o", "si", "s", "نعم", "ايوه", "اجل", "да", "д", "ага"].map(normalise),
);
const noWords = new Set(["no", "n", "non", "nope", "لا", "كلا", "нет", "не", "н"].map(normalise));

/** Reads yes or no: the words of every language, and 1 (yes) / 2 (no). */
export function readYesNo(text: string): boolean | undefined {
  const n = normalise(text);
  if (n === "1" || yesWords.has(n)) return true;
  if (n === "2" || noWords.has(n)) return false;
  return undefined;
}

function readIndex(token: string, count: number): number | undefined {
  const match = /^(\d{1,3})[.)]?$/.exec(token);
  if (!match?.[1]) return undefined;
  const index = Number(match[1]);
  return index >= 1 && index <= count ? index - 1 : undefined;
}

function byWord(text: string, options: ReadableOption[]): string | undefined {
  const n = normalise(text);
  if (n.length === 0) return undefined;
  const exact = options.filter(
    (o) => o.id.toLowerCase() === n || o.words.some((w) => normalisedWord(w) === n),
  );
  if (exact.length === 1) return exact[0]?.id;
  if (n.length < 3) return undefined;
  const prefix = options.filter((o) => o.words.some((w) => normalisedWord(w).startsWith(n)));
  return prefix.length === 1 ? prefix[0]?.id : undefined;
}

/** Reads one option: `1`, `1.`, ` 1 `, or the option's word (any case, accents optional). */
export function readChoice(text: string, options: ReadableOption[]): string | undefined {
  const index = readIndex(normalise(text), options.length);
  if (index !== undefined) return options[index]?.id;
  return byWord(text, options);
}

/** Reads several options: `1 3 4`, `1,3`, `1、3`, or one option's word. Order kept, duplicates dropped. */
export function readMultiple(text: string, options: ReadableOption[]): string[] | undefined {
  const n = normalise(text);
  const parts = n.split(/[\s,、،;/&+]+|\band\b|\bet\b|\by\b|\bи\b|\bو\b/u).filter((p) => p.length > 0);
  if (parts.length > 0 && parts.every((p) => /^\d{1,3}[.)]?$/.test(p))) {
    const ids: string[] = [];
    for (const part of parts) {
      const index = readIndex(part, options.length);
      if (index === undefined) return undefined;
      const id = options[index]?.id;
      if (id !== undefined && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }
  const one = byWord(text, options);
  return one === undefined ? undefined : [one];
}

/** Reads a whole number (digits of any script, words after it allowed: "3 people"). */
export function readNumber(text: string): number | undefined {
  const match = /^\s*(\d{1,6})(\s|$)/u.exec(asciiDigits(text).trim());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Words that skip an optional text answer, in every language. */
const skipWords = new Set(
  ["0", "skip", "-", "passer", "sauter", "omitir", "saltar", "تخطي", "пропустить", "нет"].map(normalise),
);

/** True when the defender skips an optional text answer. */
export function isSkip(text: string): boolean {
  const n = normalise(text);
  return n === "" ? text.trim() === "-" : skipWords.has(n);
}
