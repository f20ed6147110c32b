import { AppError } from "../errors/app-error.js";
import { countryCodes } from "./countries.js";
import { type AnswerValue, type Flow, isQuestion } from "./flow.js";
import type { IntakeRecord } from "./intake-record.js";

/**
 * Every completed intake, and the request content stored from it, is JSON text padded with trailing spaces
 * to exactly this many UTF-8 bytes before it is sealed or encrypted. With the envelope's own ISO 7816-4
 * padding byte that is 16 KiB (64 blocks of PAD_BLOCK), so a one-word and a 500-character intake are the same
 * size in the screening job and in MongoDB. JSON allows the trailing whitespace: readers parse as before, and
 * envelopes written before padding open unchanged. The bucket covers the longest intake any answer limit of
 * the shipped flow allows (`longestIntake`, checked by `checkFlow` and test/src/intake/intake-size.test.ts).
 */
export const INTAKE_PADDED_BYTES = 16_383;

const encoder = new TextEncoder();

/** Pads intake JSON to INTAKE_PADDED_BYTES; longer text fails with INTAKE_TOO_LARGE (never silently cut). */
export function padIntakeJson(json: string): string {
  const bytes = encoder.encode(json).length;
  if (bytes > INTAKE_PADDED_BYTES) throw new AppError("INTAKE_TOO_LARGE", { detail: `${bytes} bytes` });
  return json + " ".repeat(INTAKE_PADDED_BYTES - bytes);
}

/** UTF-8 length of a value's JSON text. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/**
 * The largest answer a step can store, as JSON: a text answer of `maxLength` code points that each escape to
 * six bytes (`\u0001`), every option of a multiple choice, the longest option id, number, country or day
 * count. Steps are all taken as asked, whatever their conditions: an upper bound, not one real path.
 */
function largestAnswer(step: Flow["steps"][number]): AnswerValue | undefined {
  switch (step.kind) {
    case "text":
      return "\u0001".repeat(step.maxLength);
    case "choice": {
      const ids = step.options.map((o) => o.id);
      return step.mode === "multiple" ? ids : ids.reduce((a, b) => (b.length > a.length ? b : a), "");
    }
    case "number":
      return String(step.min).length > String(step.max).length ? step.min : step.max;
    case "yesno":
      return false;
    case "country":
      return countryCodes.reduce((a, b) => (b.length > a.length ? b : a), "");
    case "since":
      return { approxDaysAgo: Math.ceil(step.maxYears * 366) };
    default:
      return undefined;
  }
}

/**
 * The longest intake record a flow can produce: every step answered with its largest answer and every
 * header field at the longest the intake schema accepts (ids of 32 characters, a 128-character sender hash,
 * a 64-character reply address).
 */
export function longestIntake(flow: Flow): IntakeRecord {
  const answers: Record<string, AnswerValue> = {};
  for (const step of flow.steps) {
    const value = isQuestion(step) ? largestAnswer(step) : undefined;
    if (value !== undefined) answers[step.id] = value;
  }
  return {
    v: 1,
    intakeId: "I".repeat(32),
    reference: "XXXX-XXXX",
    flowVersion: flow.version,
    consentVersion: flow.consentVersion,
    lang: "en",
    channel: "telegram",
    sender: "S".repeat(128),
    replyAddress: "\u0001".repeat(64),
    startedDay: "2026-01-01",
    completedDay: "2026-01-01",
    answers,
  };
}
