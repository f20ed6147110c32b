import { describe, expect, it } from "vitest";
import { readCountry } from "../../../src/intake/countries.js";
import { asciiDigits, normalise } from "../../../src/intake/normalise.js";
import {
  isSkip,
  type ReadableOption,
  readChoice,
  readMultiple,
  readNumber,
  readYesNo,
} from "../../../src/intake/parse-answer.js";
import { readSince } from "../../../src/intake/parse-since.js";

const options: ReadableOption[] = [
  { id: "at_home", words: ["At home"] },
  { id: "moved_in_country", words: ["Moved in my country"] },
  { id: "left_country", words: ["Left my country"] },
];
const spanish: ReadableOption[] = [
  { id: "journalism", words: ["Periodismo"] },
  { id: "legal", words: ["Abogacía"] },
  { id: "minority", words: ["Minorías, indígenas"] },
];

describe("normalise", () => {
  it.each([
    ["  Atrás!  ", "atras"],
    ["MÉXICO", "mexico"],
    ["١٢٣", "123"],
    ["۴۵", "45"],
    ["أسبوع", "اسبوع"],
    ["Ёлка", "елка"],
  ])("%s -> %s", (input, expected) => {
    expect(normalise(input)).toBe(expected);
  });

  it("turns Arabic-Indic and Persian digits into ASCII", () => {
    expect(asciiDigits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹")).toBe("0123456789 0123456789");
  });
});

describe("readChoice", () => {
  it.each([
    ["1", "at_home"],
    ["1.", "at_home"],
    [" 2 ", "moved_in_country"],
    ["3)", "left_country"],
    ["٣", "left_country"],
    ["۲", "moved_in_country"],
    ["left my country", "left_country"],
    ["LEFT MY COUNTRY", "left_country"],
    ["moved", "moved_in_country"],
    ["0", undefined],
    ["4", undefined],
    ["1 2", undefined],
    ["somewhere", undefined],
  ])("%s -> %s", (input, expected) => {
    expect(readChoice(input, options)).toBe(expected);
  });

  it("matches the option's word with or without accents", () => {
    expect(readChoice("abogacia", spanish)).toBe("legal");
    expect(readChoice("Abogacía", spanish)).toBe("legal");
  });
});

describe("readMultiple", () => {
  it.each([
    ["1 3", ["at_home", "left_country"]],
    ["1,3", ["at_home", "left_country"]],
    ["1, 3", ["at_home", "left_country"]],
    ["1、3", ["at_home", "left_country"]],
    ["1،3", ["at_home", "left_country"]],
    ["١ ٣", ["at_home", "left_country"]],
    ["۱ ۳", ["at_home", "left_country"]],
    ["3 1 3", ["left_country", "at_home"]],
    ["1 and 2", ["at_home", "moved_in_country"]],
    ["2", ["moved_in_country"]],
    ["at home", ["at_home"]],
    ["1 9", undefined],
    ["nothing", undefined],
  ])("%s -> %j", (input, expected) => {
    expect(readMultiple(input, options)).toEqual(expected);
  });
});

describe("readYesNo", () => {
  it.each([
    ["yes", true],
    ["Yes.", true],
    ["OUI", true],
    ["sí", true],
    ["si", true],
    ["نعم", true],
    ["да", true],
    ["1", true],
    ["١", true],
    ["no", false],
    ["Non", false],
    ["لا", false],
    ["нет", false],
    ["2", false],
    ["maybe", undefined],
    ["3", undefined],
  ])("%s -> %s", (input, expected) => {
    expect(readYesNo(input)).toBe(expected);
  });
});

describe("readNumber and skip", () => {
  it.each([
    ["3", 3],
    [" 12 ", 12],
    ["٤", 4],
    ["3 people", 3],
    ["three", undefined],
    ["-1", undefined],
  ])("%s -> %s", (input, expected) => {
    expect(readNumber(input)).toBe(expected);
  });

  it.each([
    ["0", true],
    ["skip", true],
    ["passer", true],
    ["saltar", true],
    ["تخطي", true],
    ["пропустить", true],
    ["-", true],
    ["Goma", false],
  ])("skip %s -> %s", (input, expected) => {
    expect(isSkip(input)).toBe(expected);
  });
});

describe("readCountry", () => {
  it.each([
    ["Colombia", "CO"],
    ["colombie", "CO"],
    ["Колумбия", "CO"],
    ["كولومبيا", "CO"],
    ["México", "MX"],
    ["mexique", "MX"],
    ["RDC", "CD"],
    ["DRC", "CD"],
    ["république démocratique du congo", "CD"],
    ["Congo-Brazzaville", "CG"],
    ["cd", "CD"],
    ["UK", "GB"],
    ["USA", "US"],
    ["Россия", "RU"],
    ["Russie", "RU"],
    ["السودان", "SD"],
    ["Soudan", "SD"],
    ["Syria", "SY"],
    ["Afganistan", "AF"],
    ["the Philippines", "PH"],
    ["Kenia", "KE"],
    ["Türkiye", "TR"],
    ["Côte d'Ivoire", "CI"],
    ["ivory coast", "CI"],
    ["Palestine", "PS"],
    ["Nicaragua", "NI"],
    ["Niger", "NE"],
    ["Nigeria", "NG"],
    ["Kosovo", "XK"],
    ["Congo", undefined],
    ["Atlantis", undefined],
    ["", undefined],
  ])("%s -> %s", (input, expected) => {
    expect(readCountry(input)).toBe(expected);
  });
});

describe("readSince", () => {
  const now = Date.UTC(2026, 10, 28, 12);
  it.each([
    ["3 weeks", 21],
    ["3 weeks ago", 21],
    ["2 months ago", 60],
    ["a year ago", 365],
    ["3w", 21],
    ["yesterday", 1],
    ["today", 0],
    ["since 2023", 1427],
    ["2026-11-01", 27],
    ["01/11/2026", 27],
    ["11/2026", 27],
    ["il y a 2 mois", 60],
    ["depuis 3 semaines", 21],
    ["depuis 2023", 1427],
    ["hier", 1],
    ["hace 3 semanas", 21],
    ["hace un año", 365],
    ["desde 2023", 1427],
    ["ayer", 1],
    ["منذ 3 أسابيع", 21],
    ["منذ ٣ أسابيع", 21],
    ["منذ شهرين", 60],
    ["منذ سنة", 365],
    ["أمس", 1],
    ["2 месяца назад", 60],
    ["неделю назад", 7],
    ["с 2023 года", 1427],
    ["5 дней", 5],
    ["вчера", 1],
    ["blue", undefined],
    ["3", undefined],
    ["2030", undefined],
    ["01/01/2030", undefined],
    ["200 years", undefined],
  ])("%s -> %s days", (input, expected) => {
    expect(readSince(input, now, 60)).toBe(expected);
  });
});
