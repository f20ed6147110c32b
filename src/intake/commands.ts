import type { CommandName, Lang } from "./messages.js";
import { normalise, withoutFormatCharacters } from "./normalise.js";

/**
 * Command words, shared by both adapters so a command means the same on Telegram and SMS.
 *
 * Two commands are easy to confuse and differ on purpose:
 * - `delete` ("erase my data"): after a yes/no confirmation the engine emits `erase`; the conversation
 *   and anything we hold from this defender is erased.
 * - `stop` (SMS opt-out, the carrier keywords STOP, UNSUBSCRIBE...): the engine emits `opt-out`; we stop
 *   messaging that number but erase nothing (the conversation can resume after START). Twilio also
 *   blocks the number itself on these words.
 */

/** Words per command and language (matched as the whole message, any case, accents optional). */
const words: Record<Exclude<CommandName, "start">, Record<Lang | "any", string[]>> = {
  help: {
    any: ["help", "info", "?"],
    en: ["help"],
    fr: ["aide", "aidez moi", "au secours"],
    es: ["ayuda", "socorro"],
    ar: ["مساعدة", "مساعده", "ساعدني"],
    ru: ["помощь", "помогите", "справка"],
  },
  back: {
    any: ["back"],
    en: ["back", "go back", "previous"],
    fr: ["retour", "precedent"],
    es: ["atras", "volver", "anterior"],
    ar: ["رجوع", "ارجع", "السابق"],
    ru: ["назад"],
  },
  restart: {
    any: ["restart"],
    en: ["restart", "start over", "start again"],
    fr: ["recommencer"],
    es: ["reiniciar", "empezar de nuevo"],
    ar: ["من جديد", "اعادة", "ابدا من جديد"],
    ru: ["заново", "начать заново", "сначала"],
  },
  language: {
    any: ["language", "lang"],
    en: ["language"],
    fr: ["langue"],
    es: ["idioma", "lengua"],
    ar: ["لغة", "اللغة", "لغه", "اللغه"],
    ru: ["язык"],
  },
  delete: {
    any: ["delete", "erase"],
    en: ["delete", "erase", "delete my data", "erase my data"],
    fr: ["supprimer", "effacer", "supprimer mes donnees", "effacer mes donnees"],
    es: ["borrar", "eliminar", "borrar mis datos", "eliminar mis datos"],
    ar: ["حذف", "احذف", "امسح", "حذف بياناتي"],
    ru: ["удалить", "удали", "стереть", "удалить данные"],
  },
  wipe: { any: ["wipe"], en: ["wipe"], fr: [], es: [], ar: [], ru: [] },
  stop: {
    any: [
      "stop",
      "stopall",
      "unsubscribe",
      "cancel",
      "end",
      "quit",
      "revoke",
      "optout",
      "opt out",
      "opt-out",
    ],
    en: [],
    fr: ["arret", "arreter", "desabonner", "desinscrire", "annuler", "fin"],
    es: ["parar", "alto", "detener", "baja", "cancelar", "darse de baja", "fin"],
    ar: ["توقف", "ايقاف", "الغاء", "الغاء الاشتراك", "قف"],
    ru: ["стоп", "отписаться", "отмена", "остановить", "хватит"],
  },
  unstop: {
    any: ["start", "unstop"],
    en: [],
    fr: ["reprendre"],
    es: ["reanudar"],
    ar: ["استئناف"],
    ru: ["старт", "возобновить"],
  },
};

const table: Array<{ word: string; command: CommandName; lang: Lang | "any" }> = [];
for (const [command, byLang] of Object.entries(words) as Array<
  [CommandName, Record<Lang | "any", string[]>]
>) {
  for (const [lang, list] of Object.entries(byLang) as Array<[Lang | "any", string[]]>) {
    for (const word of list) table.push({ word: normalise(word), command, lang });
  }
}

/**
 * Reads a command from a whole message: bare words ("help", "AIDE", "Atrás") or slash forms ("/help"),
 * in any of the five languages, whatever invisible format characters a keyboard added. `lang`, when given,
 * wins if a word means different things in two languages. "/start" is Telegram's start ("start"); a bare START is the SMS opt-in ("unstop").
 */
export function parseCommand(text: string, lang?: Lang): CommandName | undefined {
  const trimmed = withoutFormatCharacters(text).trim();
  if (trimmed.length === 0 || trimmed.length > 40) return undefined;
  const slash = trimmed.startsWith("/");
  const bare = slash ? (trimmed.slice(1).split(/[@\s]/)[0] ?? "") : trimmed;
  if (slash && /^start$/i.test(bare)) return "start";
  const n = trimmed === "?" ? "?" : normalise(bare);
  if (n.length === 0) return undefined;
  const matches = table.filter((e) => e.word === n);
  const preferred = matches.find((e) => e.lang === lang) ?? matches[0];
  return preferred?.command;
}
