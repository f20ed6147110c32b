import { normalise, tokens } from "./normalise.js";

/**
 * Reads "since when" in any of the five languages: "3 weeks", "2 months ago", "since 2023", "yesterday",
 * a date (15/03/2024, 2024-03-15, 03/2024). Normalised to whole days before `now`.
 */

const dayMs = 86_400_000;

type Unit = "day" | "week" | "month" | "year";
const unitDays: Record<Unit, number> = { day: 1, week: 7, month: 30, year: 365 };

/** Whole words (normalised) naming a unit; Arabic duals carry their own count of 2. */
const unitWords: Array<{ unit: Unit; words: string[]; prefixes?: string[]; count?: number }> = [
  {
    unit: "day",
    words: ["day", "days", "jour", "jours", "dia", "dias", "يوم", "ايام", "день", "дня", "дней", "дн"],
  },
  {
    unit: "week",
    words: [
      "wk",
      "wks",
      "week",
      "weeks",
      "semaine",
      "semaines",
      "sem",
      "semana",
      "semanas",
      "اسبوع",
      "اسابيع",
    ],
    prefixes: ["недел", "нед"],
  },
  {
    unit: "month",
    words: ["mo", "month", "months", "mois", "mes", "meses", "شهر", "اشهر", "شهور"],
    prefixes: ["месяц", "мес"],
  },
  {
    unit: "year",
    words: [
      "yr",
      "yrs",
      "year",
      "years",
      "an",
      "ans",
      "annee",
      "annees",
      "ano",
      "anos",
      "سنه",
      "سنوات",
      "سنين",
      "عام",
      "اعوام",
      "год",
      "года",
      "лет",
      "годы",
    ],
  },
  { unit: "day", words: ["يومين"], count: 2 },
  { unit: "week", words: ["اسبوعين"], count: 2 },
  { unit: "month", words: ["شهرين"], count: 2 },
  { unit: "year", words: ["سنتين", "عامين"], count: 2 },
];

const numberWords: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  ten: 10,
  few: 3,
  several: 3,
  un: 1,
  une: 1,
  deux: 2,
  trois: 3,
  quatre: 4,
  cinq: 5,
  dix: 10,
  quelques: 3,
  plusieurs: 3,
  uno: 1,
  una: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  unos: 3,
  unas: 3,
  varios: 3,
  varias: 3,
  واحد: 1,
  اثنين: 2,
  اثنان: 2,
  ثلاثه: 3,
  اربعه: 4,
  خمسه: 5,
  سته: 6,
  عده: 3,
  один: 1,
  одна: 1,
  одну: 1,
  два: 2,
  две: 2,
  три: 3,
  четыре: 4,
  пять: 5,
  шесть: 6,
  несколько: 3,
  пару: 2,
};

const todayWords = ["today", "now", "aujourd'hui", "aujourdhui", "hoy", "اليوم", "сегодня"];
const yesterdayWords = ["yesterday", "hier", "ayer", "امس", "البارحه", "вчера"];

/** Single letters are units only when glued to a number ("3w", "2m"): alone they are ordinary words. */
const letterUnits: Record<string, Unit> = { d: "day", j: "day", w: "week", m: "month", y: "year", a: "year" };

/** The unit words as the reader compares them (normalised like the input: "дней" becomes "днеи"). */
const units = unitWords.map((e) => ({
  ...e,
  words: e.words.map(normalise),
  prefixes: e.prefixes?.map(normalise),
}));
const numbers = new Map(Object.entries(numberWords).map(([word, n]) => [normalise(word), n]));

function unitOf(token: string): { unit: Unit; count?: number } | undefined {
  for (const entry of units) {
    const bare = token.replace(/^ال/u, "");
    if (entry.words.includes(token) || entry.words.includes(bare))
      return entry.count === undefined ? { unit: entry.unit } : { unit: entry.unit, count: entry.count };
    if (entry.prefixes?.some((p) => token.startsWith(p))) return { unit: entry.unit };
  }
  return undefined;
}

function daysBetween(now: number, then: number): number {
  return Math.floor((now - then) / dayMs);
}

function fromDate(text: string, now: number): number | undefined {
  let year: number | undefined;
  let month = 1;
  let day = 1;
  const iso = /^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$/.exec(text);
  const dmy = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(text);
  const my = /^(\d{1,2})[-/.](\d{4})$/.exec(text);
  if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = iso[3] ? Number(iso[3]) : 1;
  } else if (dmy) {
    day = Number(dmy[1]);
    month = Number(dmy[2]);
    const y = Number(dmy[3]);
    year = y < 100 ? 2000 + y : y;
  } else if (my) {
    month = Number(my[1]);
    year = Number(my[2]);
  } else {
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return daysBetween(now, Date.UTC(year, month - 1, day));
}

/** Days ago, or undefined when the text cannot be read or lies in the future or beyond `maxYears`. */
export function readSince(text: string, now: number, maxYears: number): number | undefined {
  const n = normalise(text);
  const days = read(n, now);
  if (days === undefined || days < 0 || days > maxYears * 366) return undefined;
  return days;
}

function read(n: string, now: number): number | undefined {
  if (todayWords.map(normalise).includes(n)) return 0;
  if (yesterdayWords.map(normalise).includes(n)) return 1;
  const dateToken =
    /(\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{1,2}[-/.]\d{4})/.exec(n);
  if (dateToken?.[1]) return fromDate(dateToken[1], now);
  const words = tokens(n);
  let unit: { unit: Unit; count?: number } | undefined;
  let count: number | undefined;
  let wordCount: number | undefined;
  for (const word of words) {
    const found = unitOf(word);
    if (found && !unit) unit = found;
    else if (/^\d+$/.test(word) && count === undefined) count = Number(word);
    else if (wordCount === undefined && numbers.has(word)) wordCount = numbers.get(word);
    else {
      // "3weeks", "2mois", "3w": digits glued to a unit
      const glued = /^(\d+)(\p{L}+)$/u.exec(word);
      const letter = glued?.[2] ? letterUnits[glued[2]] : undefined;
      const gluedUnit = glued?.[2]
        ? (unitOf(glued[2]) ?? (letter ? { unit: letter } : undefined))
        : undefined;
      if (glued?.[1] && gluedUnit && !unit) {
        unit = gluedUnit;
        count = Number(glued[1]);
      }
    }
  }
  count ??= wordCount;
  if (count !== undefined && count >= 1900) return daysBetween(now, Date.UTC(count, 0, 1));
  if (unit) return Math.round((count ?? unit.count ?? 1) * unitDays[unit.unit]);
  // "since 2023", "depuis 2023", "с 2023 года", a bare year
  const year = words.find((w) => /^(19|20)\d{2}$/.test(w));
  if (year) return daysBetween(now, Date.UTC(Number(year), 0, 1));
  return undefined;
}
