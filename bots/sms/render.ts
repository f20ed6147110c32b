import { SegmentedMessage } from "sms-segments-calculator";
import { renderPlainText } from "../../src/intake/index.js";
import type { Reply } from "../../src/intake/messages.js";
import { toGsm7WherePossible } from "./gsm.js";

/** One SMS we send: a part of a reply, with what it costs. */
export interface SmsPart {
  text: string;
  segments: number;
  encoding: "GSM-7" | "UCS-2";
}

export interface SmsRenderOptions {
  /** Hard limit per SMS; longer concatenated messages fail on some phones and carriers. Default 3. */
  maxSegmentsPerPart?: number;
  /** When a reply must be split, parts are packed up to this many segments. Default 2. */
  targetSegmentsPerPart?: number;
}

/** Segments and encoding of one SMS body, as Twilio counts them (sms-segments-calculator). */
export function measureSms(text: string): Omit<SmsPart, "text"> {
  const message = new SegmentedMessage(text, "auto");
  return {
    segments: message.segmentsCount,
    encoding: message.encodingName === "GSM-7" ? "GSM-7" : "UCS-2",
  };
}

const segmentsOf = (text: string) => measureSms(text).segments;

/** Sentence ends in the five languages (Latin, Arabic ؟ and ،-free full stop, ellipsis). */
const sentenceEnd = /(?<=[.!?؟…])\s+/u;

/**
 * Splits one unit of text that is too long into smaller units, coarsest boundary first: lines, then
 * sentences, then words, then characters (graphemes, so no letter or emoji is cut in half).
 */
function pieces(text: string, limit: number): Array<{ text: string; joiner: string }> {
  if (segmentsOf(text) <= limit) return [{ text, joiner: "\n" }];
  const levels: Array<{ split: (t: string) => string[]; joiner: string }> = [
    { split: (t) => t.split("\n"), joiner: "\n" },
    { split: (t) => t.split(sentenceEnd), joiner: " " },
    { split: (t) => t.split(/ +/), joiner: " " },
    {
      split: (t) =>
        [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(t)].map((s) => s.segment),
      joiner: "",
    },
  ];
  for (const level of levels) {
    const parts = level.split(text).filter((p) => p.length > 0);
    if (parts.length > 1) {
      return parts.flatMap((p) =>
        segmentsOf(p) <= limit
          ? [{ text: p, joiner: level.joiner }]
          : pieces(p, limit).map((x, i) => (i === 0 ? { ...x, joiner: level.joiner } : x)),
      );
    }
  }
  return [{ text, joiner: "" }];
}

/**
 * A reply as the SMS we send: plain text with numbered options (`renderPlainText`), folded to GSM-7 where
 * the language allows, then, if longer than `maxSegmentsPerPart`, split at line, sentence or word
 * boundaries into ordered parts of at most `targetSegmentsPerPart` segments each. A reply that fits is
 * one SMS (a concatenated message arrives as one on the phone).
 */
export function renderSms(reply: Reply, options: SmsRenderOptions = {}): SmsPart[] {
  const max = options.maxSegmentsPerPart ?? 3;
  const target = Math.min(max, options.targetSegmentsPerPart ?? 2);
  const text = toGsm7WherePossible(renderPlainText(reply)).trim();
  if (text.length === 0) return [];
  const whole = measureSms(text);
  if (whole.segments <= max) return [{ text, ...whole }];

  const parts: string[] = [];
  let current = "";
  for (const unit of pieces(text, target)) {
    const candidate = current.length === 0 ? unit.text : `${current}${unit.joiner}${unit.text}`;
    if (current.length > 0 && segmentsOf(candidate.trim()) > target) {
      parts.push(current);
      current = unit.text;
    } else {
      current = candidate;
    }
  }
  if (current.length > 0) parts.push(current);
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => ({ text: p, ...measureSms(p) }));
}

/** Total segments of a reply: its pacing cost (Twilio's per-number queue counts segments). */
export function smsCost(reply: Reply, options?: SmsRenderOptions): number {
  return renderSms(reply, options).reduce((sum, part) => sum + part.segments, 0);
}
