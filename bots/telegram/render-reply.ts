import type { Reply } from "../../src/intake/messages.js";
import { encodeChoice } from "./callback-data.js";

/** Telegram's limit on one message's text (UTF-16 code units are counted conservatively). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** The option id of the button that finishes a multi-select (the engine's `doneOptionId`). */
export const DONE_OPTION_ID = "__done";

export interface InlineButton {
  text: string;
  callback_data: string;
}

/** One sendMessage call: plain text (never a parse_mode) and, on the last part only, the keyboard. */
export interface RenderedPart {
  text: string;
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

const RLM = "\u200f";
// Strong right-to-left letters (Hebrew, Arabic, Syriac, Thaana, NKo... and the Arabic presentation forms).
const strongRtl = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/u;
const strongLtr = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]/u;

/**
 * Arabic text is plain text too, so clients pick its direction from its first strong letter. A line that
 * starts with Latin letters (a reference code, a Latin-script name) would lay out left-to-right; one
 * invisible RIGHT-TO-LEFT MARK at the start keeps such Arabic messages readable. Only Arabic replies
 * that would otherwise start left-to-right get it.
 */
function withDirection(text: string, lang: Reply["lang"]): string {
  if (lang !== "ar") return text;
  for (const ch of text) {
    if (strongRtl.test(ch)) return text;
    if (strongLtr.test(ch)) return RLM + text;
  }
  return text;
}

/**
 * Splits text into parts of at most `limit` UTF-16 code units, preferring paragraph, then line, then word
 * boundaries, and never cutting a surrogate pair.
 */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const sep of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(sep);
      if (at > limit / 2) {
        cut = at;
        break;
      }
    }
    let head: string;
    if (cut > 0) {
      head = rest.slice(0, cut);
      rest = rest.slice(cut).replace(/^\s+/, "");
    } else {
      let end = limit;
      const code = rest.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end -= 1;
      head = rest.slice(0, end);
      rest = rest.slice(end);
    }
    if (head.trim().length > 0) parts.push(head);
  }
  if (rest.trim().length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** The inline keyboard of a reply: one button per row; multi-select shows ✓ and a Done button. */
export function renderKeyboard(choices: NonNullable<Reply["choices"]>): InlineButton[][] {
  const rows = choices.options.map((option) => {
    const mark = choices.mode === "multiple" && option.selected ? "✓ " : "";
    return [{ text: `${mark}${option.label}`, callback_data: encodeChoice(choices.stepId, option.id) }];
  });
  if (choices.mode === "multiple") {
    rows.push([
      { text: choices.doneLabel ?? "Done", callback_data: encodeChoice(choices.stepId, DONE_OPTION_ID) },
    ]);
  }
  return rows;
}

/** Renders one reply as Telegram messages: split under the limit, the keyboard on the last part. */
export function renderReply(reply: Reply): RenderedPart[] {
  // Leave room for the direction mark an Arabic part may get.
  const limit = reply.lang === "ar" ? TELEGRAM_TEXT_LIMIT - 1 : TELEGRAM_TEXT_LIMIT;
  const texts = splitText(reply.text, limit).map((t) => withDirection(t, reply.lang));
  // Telegram refuses empty text; a keyboard-only reply still needs something to hang on.
  const safe = texts.map((t) => (t.trim().length === 0 ? "…" : t));
  const keyboard = reply.choices ? renderKeyboard(reply.choices) : undefined;
  return safe.map((text, i) =>
    keyboard && i === safe.length - 1 ? { text, reply_markup: { inline_keyboard: keyboard } } : { text },
  );
}
