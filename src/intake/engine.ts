import { AppError } from "../errors/app-error.js";
import { t } from "../i18n/translate.js";
import { parseCommand } from "./commands.js";
import { readCountry } from "./countries.js";
import {
  type Answers,
  type AnswerValue,
  applies,
  type Flow,
  type FlowStep,
  isQuestion,
  type QuestionStep,
} from "./flow.js";
import { type Effect, type IntakeRecord, utcDay } from "./intake-record.js";
import {
  type CommandName,
  type Inbound,
  type InboundBody,
  type Lang,
  langs,
  type Reply,
} from "./messages.js";
import {
  isSkip,
  type ReadableOption,
  readChoice,
  readMultiple,
  readNumber,
  readYesNo,
} from "./parse-answer.js";
import { readSince } from "./parse-since.js";
import { referenceFor } from "./reference.js";
import {
  deleteConfirmStepId,
  doneOptionId,
  renderDeleteConfirm,
  renderQuestion,
  renderReview,
  renderReviewPick,
  reviewableSteps,
  reviewPickStepId,
} from "./render-step.js";
import type { ConversationState } from "./state.js";

/**
 * The intake engine: one pure function from (flow, state, message, time) to (new state, replies,
 * effects). No I/O, no clock, no randomness of its own (ids come from `deps.newId`, called only when a
 * conversation starts), so the ingress can replay a message after a crash and get the same result.
 */

/** What the engine needs from outside. */
export interface StepDeps {
  /** A fresh intake id (the ingress passes `newIntakeId`); called once per new conversation. */
  newId: () => string;
}

/** The outcome of one message. `state: null` means erase the stored conversation. */
export interface StepResult {
  state: ConversationState | null;
  replies: Reply[];
  effects: Effect[];
}

/** After this many invalid answers in a row the re-prompt offers help. */
export const helpAfterInvalid = 3;
/** Seconds after which Telegram deletes the wipe confirmation. */
const wipeNoticeSeconds = 30;

type Parsed =
  | { value: AnswerValue }
  | { invalid: string; args?: Record<string, number> }
  | { toggled: true }
  | { stale: true };

/** Applies one inbound message to a conversation. */
export function step(
  flow: Flow,
  state: ConversationState | undefined,
  inbound: Inbound,
  now: number,
  deps: StepDeps,
): StepResult {
  if (state === undefined) return begin(flow, inbound, now, deps);
  const s: ConversationState = structuredClone(state);
  s.lastActivityAt = now;
  if (s.flowVersion !== flow.version) return restartOnNewFlow(flow, s, now);
  const command = commandOf(inbound.body, s.lang);
  if (command) return runCommand(flow, s, command.name, command.payload);
  if (s.optedOut) return { state: s, replies: [], effects: [] };
  if (s.pending) return answerPending(flow, s, inbound.body);
  return answerStep(flow, s, inbound.body, now);
}

/**
 * A conversation started under another flow version (a deploy changed the flow): its answers may not
 * fit the new ids, so it starts again after the language, keeping the language and the intake id.
 */
function restartOnNewFlow(flow: Flow, s: ConversationState, now: number): StepResult {
  s.flowVersion = flow.version;
  s.answers = { [flow.languageStep]: s.lang };
  s.history = [flow.languageStep];
  s.pending = null;
  s.reviewing = false;
  s.optedOut = false;
  const next = advance(flow, s, stepIndex(flow, flow.languageStep), now);
  return { ...next, replies: [{ text: t(s.lang, "flow-changed"), lang: s.lang }, ...next.replies] };
}

/** The reminder before an abandoned conversation expires: once, after half the TTL, before expiry. */
export function reminder(state: ConversationState, now: number, ttlMs: number): Reply[] | undefined {
  if (state.reminderSentAt !== null || state.optedOut) return undefined;
  const expiresAt = state.lastActivityAt + ttlMs;
  if (now >= expiresAt || now - state.lastActivityAt < ttlMs / 2) return undefined;
  const hours = Math.max(1, Math.ceil((expiresAt - now) / 3_600_000));
  return [{ text: t(state.lang, "reminder", { hours }), lang: state.lang }];
}

/** The state after the reminder went out (so it is sent once). */
export function markReminderSent(state: ConversationState, now: number): ConversationState {
  return { ...state, reminderSentAt: now };
}

function commandOf(body: InboundBody, lang: Lang): { name: CommandName; payload?: string } | undefined {
  if (body.kind === "command")
    return body.payload === undefined
      ? { name: body.command }
      : { name: body.command, payload: body.payload };
  if (body.kind !== "text") return undefined;
  const name = parseCommand(body.text, lang);
  return name ? { name } : undefined;
}

function stepIndex(flow: Flow, id: string): number {
  return flow.steps.findIndex((s) => s.id === id);
}

function currentStep(flow: Flow, s: ConversationState): FlowStep {
  const found = flow.steps[stepIndex(flow, s.step)] ?? flow.steps[stepIndex(flow, flow.languageStep)];
  if (!found) throw new AppError("INTERNAL", { detail: "flow has no language step" });
  return found;
}

function isLang(value: string | undefined): value is Lang {
  return value !== undefined && (langs as readonly string[]).includes(value);
}

function newState(flow: Flow, inbound: Inbound, now: number, deps: StepDeps): ConversationState {
  return {
    v: 1,
    flowVersion: flow.version,
    lang: "en",
    step: flow.languageStep,
    answers: {},
    history: [],
    invalidCount: 0,
    startedAt: now,
    lastActivityAt: now,
    reminderSentAt: null,
    intakeId: deps.newId(),
    channel: inbound.channel,
    sender: inbound.sender,
    replyAddress: inbound.address,
    pending: null,
    draft: null,
    reviewing: false,
    optedOut: false,
  };
}

function begin(flow: Flow, inbound: Inbound, now: number, deps: StepDeps): StepResult {
  const command = commandOf(inbound.body, "en");
  if (command?.name === "stop") {
    const replies = inbound.channel === "sms" ? [] : [{ text: t("en", "stop-done"), lang: "en" as const }];
    return { state: null, replies, effects: [{ type: "opt-out" }] };
  }
  if (command?.name === "wipe") return { state: null, ...wipe(inbound.channel, "en") };
  const s = newState(flow, inbound, now, deps);
  if (command?.name === "delete") {
    s.pending = { kind: "confirm-delete" };
    return { state: s, replies: [renderDeleteConfirm(s.lang)], effects: [] };
  }
  const effects: Effect[] = command?.name === "unstop" ? [{ type: "opt-in" }] : [];
  const chosen =
    command?.name === "start" && isLang(command.payload)
      ? command.payload
      : inbound.body.kind === "text" && !command
        ? readLanguageWord(flow, inbound.body.text)
        : undefined;
  if (chosen) {
    setLang(flow, s, chosen);
    s.history.push(flow.languageStep);
    return { ...advance(flow, s, stepIndex(flow, flow.languageStep), now), effects };
  }
  const replies = command?.name === "help" ? [{ text: t(s.lang, "help"), lang: s.lang }] : [];
  return { state: s, replies: [...replies, ...renderCurrent(flow, s)], effects };
}

/** A first message that names a language ("Français", "arabic"), not a bare number. */
function readLanguageWord(flow: Flow, text: string): Lang | undefined {
  const languageStep = flow.steps[stepIndex(flow, flow.languageStep)];
  if (languageStep?.kind !== "choice" || /^\s*\d/.test(text)) return undefined;
  const picked = readChoice(text, readable(languageStep, "en"));
  return isLang(picked) ? picked : undefined;
}

function setLang(flow: Flow, s: ConversationState, lang: Lang): void {
  s.lang = lang;
  s.answers[flow.languageStep] = lang;
}

/** The current question again after a wrong answer: at the review, without re-sending the summary. */
function repeatQuestion(flow: Flow, s: ConversationState): Reply[] {
  const replies = renderCurrent(flow, s);
  return !s.pending && currentStep(flow, s).kind === "review" ? replies.slice(-1) : replies;
}

function renderCurrent(flow: Flow, s: ConversationState): Reply[] {
  if (s.pending?.kind === "confirm-delete") return [renderDeleteConfirm(s.lang)];
  if (s.pending?.kind === "review-pick") return [renderReviewPick(flow, s)];
  const current =
    s.pending?.kind === "language" ? flow.steps[stepIndex(flow, flow.languageStep)] : currentStep(flow, s);
  if (!current) return [];
  if (current.kind === "review") return renderReview(flow, s);
  if (isQuestion(current)) return [renderQuestion(current, s)];
  return [{ text: t(s.lang, current.prompt), lang: s.lang }];
}

/** Moves past step `fromIndex` to the next step that applies, collecting info texts on the way. */
function advance(flow: Flow, s: ConversationState, fromIndex: number, now: number): StepResult {
  const replies: Reply[] = [];
  s.invalidCount = 0;
  s.draft = null;
  for (let i = fromIndex + 1; i < flow.steps.length; i++) {
    const next = flow.steps[i];
    if (!next || !applies(next, s.answers)) continue;
    if (next.kind === "info") {
      if (!s.reviewing) replies.push({ text: t(s.lang, next.prompt), lang: s.lang });
      continue;
    }
    if (next.kind === "submit") return complete(flow, s, now, next.prompt);
    if (isQuestion(next) && s.reviewing && s.answers[next.id] !== undefined) continue;
    s.step = next.id;
    if (next.kind === "review") s.reviewing = false;
    return { state: s, replies: [...replies, ...renderCurrent(flow, s)], effects: [] };
  }
  return complete(flow, s, now, "submit-done");
}

/** The answers that the final path through the flow asked, in flow order. */
function keptAnswers(flow: Flow, answers: Answers): Answers {
  const kept: Answers = {};
  for (const s of flow.steps) {
    const value = answers[s.id];
    if (isQuestion(s) && value !== undefined && applies(s, answers)) kept[s.id] = value;
  }
  return kept;
}

function complete(flow: Flow, s: ConversationState, now: number, prompt: string): StepResult {
  const reference = referenceFor(s.intakeId);
  const intake: IntakeRecord = {
    v: 1,
    intakeId: s.intakeId,
    reference,
    flowVersion: flow.version,
    consentVersion: flow.consentVersion,
    lang: s.lang,
    channel: s.channel,
    sender: s.sender,
    replyAddress: s.replyAddress,
    startedDay: utcDay(s.startedAt),
    completedDay: utcDay(now),
    answers: keptAnswers(flow, s.answers),
  };
  return {
    state: null,
    replies: [{ text: t(s.lang, prompt, { reference }), lang: s.lang }],
    effects: [{ type: "complete", intake }],
  };
}

function wipe(channel: Inbound["channel"], lang: Lang): { replies: Reply[]; effects: Effect[] } {
  if (channel === "telegram") {
    return {
      replies: [{ text: t(lang, "wipe-started"), lang, ephemeralSeconds: wipeNoticeSeconds }],
      effects: [{ type: "wipe-chat" }],
    };
  }
  return { replies: [{ text: t(lang, "wipe-sms"), lang }], effects: [] };
}

function runCommand(flow: Flow, s: ConversationState, name: CommandName, payload?: string): StepResult {
  const lang = s.lang;
  const none: Effect[] = [];
  if (s.optedOut && name !== "unstop" && name !== "start" && name !== "stop" && name !== "delete") {
    return { state: s, replies: [], effects: none };
  }
  switch (name) {
    case "help":
      return {
        state: s,
        replies: [{ text: t(lang, "help"), lang }, ...renderCurrent(flow, s)],
        effects: none,
      };
    case "back": {
      if (s.pending) {
        s.pending = null;
        return { state: s, replies: renderCurrent(flow, s), effects: none };
      }
      const previous = s.history.pop();
      if (previous === undefined) {
        return {
          state: s,
          replies: [{ text: t(lang, "back-at-start"), lang }, ...renderCurrent(flow, s)],
          effects: none,
        };
      }
      s.step = previous;
      s.invalidCount = 0;
      s.draft = null;
      if (currentStep(flow, s).kind === "review") s.reviewing = false;
      return { state: s, replies: renderCurrent(flow, s), effects: none };
    }
    case "restart": {
      s.answers = { [flow.languageStep]: s.lang };
      s.history = [flow.languageStep];
      s.pending = null;
      s.reviewing = false;
      return advance(flow, s, stepIndex(flow, flow.languageStep), s.lastActivityAt);
    }
    case "language":
      if (s.step !== flow.languageStep) s.pending = { kind: "language" };
      else s.pending = null;
      return { state: s, replies: renderCurrent(flow, s), effects: none };
    case "delete":
      if (s.optedOut) return { state: null, replies: [], effects: [{ type: "erase" }] };
      s.pending = { kind: "confirm-delete" };
      return { state: s, replies: [renderDeleteConfirm(lang)], effects: none };
    case "wipe":
      return { state: s, ...wipe(s.channel, lang) };
    case "stop":
      s.optedOut = true;
      return {
        state: s,
        replies: s.channel === "sms" ? [] : [{ text: t(lang, "stop-done"), lang }],
        effects: [{ type: "opt-out" }],
      };
    case "unstop":
    case "start": {
      const wasOptedOut = s.optedOut;
      s.optedOut = false;
      if (name === "start" && isLang(payload)) setLang(flow, s, payload);
      const effects: Effect[] = name === "unstop" || wasOptedOut ? [{ type: "opt-in" }] : none;
      return {
        state: s,
        replies: [{ text: t(s.lang, "welcome-back"), lang: s.lang }, ...renderCurrent(flow, s)],
        effects,
      };
    }
  }
}

function invalid(
  flow: Flow,
  s: ConversationState,
  message: string,
  args?: Record<string, number>,
): StepResult {
  s.invalidCount += 1;
  const lines = [t(s.lang, message, args)];
  if (s.invalidCount >= helpAfterInvalid) lines.push(t(s.lang, "help-offer"));
  return {
    state: s,
    replies: [{ text: lines.join("\n"), lang: s.lang }, ...repeatQuestion(flow, s)],
    effects: [],
  };
}

function stale(flow: Flow, s: ConversationState): StepResult {
  return {
    state: s,
    replies: [{ text: t(s.lang, "invalid-stale"), lang: s.lang }, ...repeatQuestion(flow, s)],
    effects: [],
  };
}

function answerPending(flow: Flow, s: ConversationState, body: InboundBody): StepResult {
  const pending = s.pending;
  if (pending?.kind === "confirm-delete") {
    const yes = readYesNoBody(body, deleteConfirmStepId);
    if (yes === "stale") return stale(flow, s);
    if (yes === undefined) return invalid(flow, s, "invalid-yesno");
    if (yes)
      return {
        state: null,
        replies: [{ text: t(s.lang, "delete-done"), lang: s.lang }],
        effects: [{ type: "erase" }],
      };
    s.pending = null;
    s.invalidCount = 0;
    return {
      state: s,
      replies: [{ text: t(s.lang, "delete-cancelled"), lang: s.lang }, ...renderCurrent(flow, s)],
      effects: [],
    };
  }
  if (pending?.kind === "language") {
    const languageStep = flow.steps[stepIndex(flow, flow.languageStep)];
    if (languageStep?.kind !== "choice")
      throw new AppError("INTERNAL", { detail: "flow language step must be a choice" });
    const picked = readSingleBody(body, languageStep.id, readable(languageStep, s.lang));
    if (picked === "stale") return stale(flow, s);
    if (!isLang(picked)) return invalid(flow, s, "invalid-choice");
    setLang(flow, s, picked);
    s.pending = null;
    s.invalidCount = 0;
    return { state: s, replies: renderCurrent(flow, s), effects: [] };
  }
  // review-pick
  const steps = reviewableSteps(flow, s);
  const picked = readSingleBody(
    body,
    reviewPickStepId,
    steps.map((q) => ({ id: q.id, words: [t(s.lang, q.label ?? q.prompt)] })),
  );
  if (picked === "stale") return stale(flow, s);
  const target = steps.find((q) => q.id === picked);
  if (!target) return invalid(flow, s, "invalid-choice");
  s.pending = null;
  s.invalidCount = 0;
  s.reviewing = true;
  s.history.push(s.step);
  s.step = target.id;
  return { state: s, replies: renderCurrent(flow, s), effects: [] };
}

function readable(step: QuestionStep, lang: Lang): ReadableOption[] {
  if (step.kind !== "choice") return [];
  return step.options.map((o) => ({
    id: o.id,
    words: [t(step.labelsAreLiteral ? "en" : lang, o.label), ...(o.aliases ?? [])],
  }));
}

function readSingleBody(
  body: InboundBody,
  stepId: string,
  options: ReadableOption[],
): string | undefined | "stale" {
  if (body.kind === "choice") {
    if (body.stepId !== stepId) return "stale";
    return options.some((o) => o.id === body.optionId) ? body.optionId : undefined;
  }
  return body.kind === "text" ? readChoice(body.text, options) : undefined;
}

function readYesNoBody(body: InboundBody, stepId: string): boolean | undefined | "stale" {
  if (body.kind === "choice") {
    if (body.stepId !== stepId) return "stale";
    return body.optionId === "yes" ? true : body.optionId === "no" ? false : undefined;
  }
  return body.kind === "text" ? readYesNo(body.text) : undefined;
}

function parseAnswer(step: QuestionStep, s: ConversationState, body: InboundBody, now: number): Parsed {
  if (body.kind === "unsupported" || body.kind === "command") return { invalid: "invalid-unsupported" };
  switch (step.kind) {
    case "yesno": {
      const yes = readYesNoBody(body, step.id);
      if (yes === "stale") return { stale: true };
      return yes === undefined ? { invalid: "invalid-yesno" } : { value: yes };
    }
    case "choice": {
      const options = readable(step, s.lang);
      if (step.mode === "single") {
        const picked = readSingleBody(body, step.id, options);
        if (picked === "stale") return { stale: true };
        return picked === undefined ? { invalid: "invalid-choice" } : { value: picked };
      }
      if (body.kind === "choice") {
        if (body.stepId !== step.id) return { stale: true };
        const draft = s.draft ?? [];
        if (body.optionId === doneOptionId) {
          return draft.length > 0
            ? { value: step.options.map((o) => o.id).filter((id) => draft.includes(id)) }
            : { invalid: "invalid-multiple" };
        }
        if (!step.options.some((o) => o.id === body.optionId)) return { invalid: "invalid-multiple" };
        s.draft = draft.includes(body.optionId)
          ? draft.filter((id) => id !== body.optionId)
          : [...draft, body.optionId];
        return { toggled: true };
      }
      const picked = readMultiple(body.text, options);
      return picked === undefined || picked.length === 0
        ? { invalid: "invalid-multiple" }
        : { value: picked };
    }
    case "text": {
      if (body.kind !== "text") return { invalid: "invalid-text-empty" };
      if (step.optional && isSkip(body.text)) return { value: "" };
      const text = body.text.trim();
      if (text.length === 0) return { invalid: "invalid-text-empty" };
      if ([...text].length > step.maxLength)
        return { invalid: "invalid-text-long", args: { max: step.maxLength } };
      return { value: text };
    }
    case "number": {
      const n = body.kind === "text" ? readNumber(body.text) : undefined;
      if (n === undefined || n < step.min || n > step.max)
        return { invalid: "invalid-number", args: { min: step.min, max: step.max } };
      return { value: n };
    }
    case "country": {
      const code = body.kind === "text" ? readCountry(body.text) : undefined;
      return code === undefined ? { invalid: "invalid-country" } : { value: code };
    }
    case "since": {
      const days = body.kind === "text" ? readSince(body.text, now, step.maxYears) : undefined;
      return days === undefined ? { invalid: "invalid-since" } : { value: { approxDaysAgo: days } };
    }
  }
}

function answerStep(flow: Flow, s: ConversationState, body: InboundBody, now: number): StepResult {
  const current = currentStep(flow, s);
  const index = stepIndex(flow, current.id);
  if (current.kind === "review") {
    const picked = readSingleBody(body, "review", [
      { id: "send", words: [t(s.lang, "opt-review-send"), t(s.lang, "yes")] },
      { id: "change", words: [t(s.lang, "opt-review-change")] },
    ]);
    if (picked === "stale") return stale(flow, s);
    if (picked === "send") return advance(flow, s, index, now);
    if (picked === "change") {
      s.pending = { kind: "review-pick" };
      s.invalidCount = 0;
      return { state: s, replies: renderCurrent(flow, s), effects: [] };
    }
    return invalid(flow, s, "invalid-choice");
  }
  if (!isQuestion(current)) return advance(flow, s, index, now);
  const parsed = parseAnswer(current, s, body, now);
  if ("stale" in parsed) return stale(flow, s);
  if ("toggled" in parsed) return { state: s, replies: renderCurrent(flow, s), effects: [] };
  if ("invalid" in parsed) return invalid(flow, s, parsed.invalid, parsed.args);
  if (current.id === flow.consentStep && parsed.value === false) {
    return { state: null, replies: [{ text: t(s.lang, "consent-declined"), lang: s.lang }], effects: [] };
  }
  if (current.id === flow.languageStep && isLang(String(parsed.value)))
    setLang(flow, s, parsed.value as Lang);
  else s.answers[current.id] = parsed.value;
  if (s.history[s.history.length - 1] !== current.id) s.history.push(current.id);
  return advance(flow, s, index, now);
}
