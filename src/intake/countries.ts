import type { Lang } from "./messages.js";
import { normalise } from "./normalise.js";

/**
 * Country names in every supported language (from the ICU data in Node's Intl), plus the aliases people
 * actually type. Answers are stored as ISO 3166-1 alpha-2 codes.
 */

/** ISO 3166-1 alpha-2 codes, plus XK (Kosovo), which partners use. */
export const countryCodes: readonly string[] = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV " +
  "BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET " +
  "FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM " +
  "IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD " +
  "ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE " +
  "PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST " +
  "SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS " +
  "XK YE YT ZA ZM ZW"
).split(" ");

/** Names people use that ICU does not list (normalised on load). */
const aliases: Record<string, string[]> = {
  CD: [
    "republique democratique du congo",
    "democratic republic of the congo",
    "democratic republic of congo",
    "republica democratica del congo",
    "демократическая республика конго",
    "جمهورية الكونغو الديمقراطية",
    "drc",
    "dr congo",
    "rdc",
    "rd congo",
    "congo kinshasa",
    "congo-kinshasa",
    "zaire",
    "kongo kinshasa",
  ],
  CG: ["congo brazzaville", "congo-brazzaville", "republic of congo"],
  US: [
    "usa",
    "u.s.a.",
    "u.s.",
    "america",
    "united states of america",
    "eeuu",
    "estados unidos",
    "etats-unis",
    "сша",
    "امريكا",
  ],
  GB: [
    "uk",
    "u.k.",
    "england",
    "britain",
    "great britain",
    "scotland",
    "wales",
    "angleterre",
    "inglaterra",
    "англия",
    "بريطانيا",
  ],
  RU: ["russia", "russie", "rusia", "россия", "рф", "روسيا"],
  IR: ["iran", "persia", "ايران"],
  SY: ["syria", "syrie", "siria", "сирия", "سوريا", "سورية"],
  PS: ["palestine", "palestina", "gaza", "west bank", "палестина", "فلسطين", "غزة"],
  MM: ["burma", "birmanie", "birmania", "бирма"],
  CI: ["ivory coast", "cote d'ivoire", "cote divoire", "costa de marfil", "кот-д'ивуар"],
  TR: ["turkey", "turkiye", "turquie", "turquia", "турция", "تركيا"],
  KR: ["south korea"],
  KP: ["north korea"],
  VN: ["vietnam", "viet nam"],
  LA: ["laos"],
  MK: ["macedonia"],
  CZ: ["czech republic", "czechia"],
  SZ: ["swaziland", "eswatini"],
  CV: ["cape verde"],
  TL: ["east timor"],
  BO: ["bolivia"],
  VE: ["venezuela"],
  TZ: ["tanzania"],
  MD: ["moldova"],
  BY: ["belarus", "bielorussie", "bielorrusia", "беларусь", "белоруссия"],
  AE: ["uae", "emirates", "эмираты", "الامارات"],
  SA: ["saudi", "ksa", "السعودية"],
  EG: ["مصر"],
  SD: ["السودان"],
  SS: ["south sudan"],
  UA: ["ukraine", "ucrania", "украина", "اوكرانيا"],
  XK: ["kosovo", "kosova"],
};

/** Names that could mean either of two countries. */
const ambiguous = ["congo", "конго", "الكونغو", "korea", "coree", "corea", "корея"];

interface CountryIndex {
  names: Map<string, string>;
  entries: Array<{ code: string; name: string }>;
}

let index: CountryIndex | undefined;

function build(): CountryIndex {
  const names = new Map<string, string>();
  const entries: Array<{ code: string; name: string }> = [];
  const add = (name: string, code: string): void => {
    const n = normalise(name);
    if (n.length === 0) return;
    if (!names.has(n)) names.set(n, code);
    entries.push({ code, name: n });
  };
  for (const lang of ["en", "fr", "es", "ar", "ru"] as const) {
    const display = new Intl.DisplayNames([lang], { type: "region", fallback: "none" });
    for (const code of countryCodes) {
      const name = display.of(code);
      if (name) add(name, code);
    }
  }
  for (const [code, list] of Object.entries(aliases)) for (const name of list) add(name, code);
  // Names shared by two countries: ask again rather than guess.
  for (const name of ambiguous) names.delete(normalise(name));
  return { names, entries: entries.filter((e) => !ambiguous.map(normalise).includes(e.name)) };
}

function distanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    edits++;
    if (edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/**
 * Reads a country: its name in any supported language (accents and case optional), a common alias, or its
 * ISO code; a unique prefix or a one-letter typo is accepted. Returns the alpha-2 code.
 */
export function readCountry(text: string): string | undefined {
  index ??= build();
  const n = normalise(text)
    .replace(/^(the|la|le|les|el|l'|al|в|во)\s+/u, "")
    .trim();
  if (n.length === 0) return undefined;
  const upper = n.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && countryCodes.includes(upper)) return upper;
  const exact = index.names.get(n) ?? index.names.get(normalise(text));
  if (exact) return exact;
  const unique = (codes: string[]): string | undefined => {
    const set = [...new Set(codes)];
    return set.length === 1 ? set[0] : undefined;
  };
  if (n.length >= 4) {
    const byPrefix = unique(index.entries.filter((e) => e.name.startsWith(n)).map((e) => e.code));
    if (byPrefix) return byPrefix;
  }
  if (n.length >= 5) {
    return unique(index.entries.filter((e) => distanceAtMostOne(e.name, n)).map((e) => e.code));
  }
  return undefined;
}

/** The country's name in the given language, for the review summary. */
export function countryName(code: string, lang: Lang): string {
  return new Intl.DisplayNames([lang], { type: "region", fallback: "code" }).of(code) ?? code;
}
