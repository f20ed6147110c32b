import type { StepResult } from "../../../src/intake/engine.js";
import { step } from "../../../src/intake/engine.js";
import type { Flow } from "../../../src/intake/flow.js";
import { defaultFlow } from "../../../src/intake/flows/default-flow.js";
import type { IntakeRecord } from "../../../src/intake/intake-record.js";
import type { Channel, Inbound, InboundBody, Lang } from "../../../src/intake/messages.js";
import type { ConversationState } from "../../../src/intake/state.js";

/** Helpers to drive the pure engine in tests: no I/O, a fixed clock, a fixed id. */

export const t0 = Date.UTC(2026, 10, 28, 12, 0, 0);
export const fixedId = "0123456789ABCDEFGHJKMNPQRS";

export function text(value: string): InboundBody {
  return { kind: "text", text: value };
}

export function inbound(body: InboundBody, channel: Channel = "sms"): Inbound {
  return {
    channel,
    sender: "sender-hash",
    address: channel === "sms" ? "+15550000001" : "4242",
    providerId: "p",
    receivedAt: t0,
    body,
  };
}

export function send(
  state: ConversationState | undefined,
  body: InboundBody,
  options: { channel?: Channel; flow?: Flow; now?: number } = {},
): StepResult {
  return step(options.flow ?? defaultFlow, state, inbound(body, options.channel), options.now ?? t0, {
    newId: () => fixedId,
  });
}

/** Per-language answers that exercise the tolerant readers (words, scripts, digits). */
export interface Script {
  lang: Lang;
  /** The language menu answer. */
  pick: string;
  yes: string;
  no: string;
  country: string;
  nationality: string;
  since: string;
  multi: string;
}

export const scripts: Record<Lang, Script> = {
  en: {
    lang: "en",
    pick: "1",
    yes: "Yes",
    no: "no",
    country: "Colombia",
    nationality: "CO",
    since: "3 weeks ago",
    multi: "1 3",
  },
  fr: {
    lang: "fr",
    pick: "Français",
    yes: "OUI",
    no: "non",
    country: "Colombie",
    nationality: "République démocratique du Congo",
    since: "il y a 2 mois",
    multi: "1,3",
  },
  es: {
    lang: "es",
    pick: "3.",
    yes: "sí",
    no: "No",
    country: "México",
    nationality: "mexico",
    since: "hace 3 semanas",
    multi: "1、3",
  },
  ar: {
    lang: "ar",
    pick: "٤",
    yes: "نعم",
    no: "لا",
    country: "سوريا",
    nationality: "السودان",
    since: "منذ 3 أسابيع",
    multi: "١ ٣",
  },
  ru: {
    lang: "ru",
    pick: " 5 ",
    yes: "да",
    no: "Нет",
    country: "Россия",
    nationality: "Беларусь",
    since: "2 месяца назад",
    multi: "۱ ۳",
  },
};

/** Choices made at the branching steps. */
export interface Path {
  danger: boolean;
  family: boolean;
  displacement: "1" | "2" | "3";
}

/** The answer a defender following `script` and `path` sends at `stepId`. */
export function answerFor(stepId: string, script: Script, path: Path): InboundBody {
  switch (stepId) {
    case "language":
      return text(script.pick);
    case "consent":
      return text(script.yes);
    case "danger_now":
      return text(path.danger ? script.yes : script.no);
    case "name":
      return text("Amina K.");
    case "location_country":
      return text(script.country);
    case "location_detail":
      return text("0");
    case "nationality":
      return text(script.nationality);
    case "work_categories":
    case "threat_types":
    case "support_needed":
    case "contact_methods":
      return text(script.multi);
    case "work_description":
      return text("Land rights paralegal");
    case "threat_description":
      return text("Men came to the office");
    case "threat_since":
      return text(script.since);
    case "detention_status":
      return text("4");
    case "displacement":
      return text(path.displacement);
    case "family_at_risk":
      return text(path.family ? "1" : "2");
    case "family_count":
      return text("3");
    case "contact_safe":
      return text(script.no);
    case "contact_details":
      return text("Signal, evenings");
    case "review":
      return text("1");
    default:
      throw new Error(`no scripted answer for ${stepId}`);
  }
}

export interface Run {
  intake: IntakeRecord | undefined;
  asked: string[];
  results: StepResult[];
  /** The state as each step was first asked. */
  states: Map<string, ConversationState>;
}

/** Drives a conversation from the first message to completion (or 80 messages). */
export function drive(
  script: Script,
  path: Path,
  options: { channel?: Channel; before?: (state: ConversationState) => InboundBody | undefined } = {},
): Run {
  const asked: string[] = [];
  const results: StepResult[] = [];
  const states = new Map<string, ConversationState>();
  let result = send(undefined, text("hello"), options);
  results.push(result);
  for (let i = 0; i < 80 && result.state; i++) {
    const state: ConversationState = result.state;
    const extra = options.before?.(state);
    if (extra) {
      result = send(state, extra, options);
      results.push(result);
      continue;
    }
    asked.push(state.step);
    if (!states.has(state.step)) states.set(state.step, state);
    result = send(state, answerFor(state.step, script, path), options);
    results.push(result);
  }
  const done = result.effects.find((e) => e.type === "complete");
  return { intake: done?.type === "complete" ? done.intake : undefined, asked, results, states };
}
