import { t } from "../i18n/translate.js";
import { countryName } from "./countries.js";
import {
  type AnswerValue,
  applies,
  type Flow,
  type FlowStep,
  isQuestion,
  type QuestionStep,
} from "./flow.js";
import type { Lang, Reply, ReplyOption } from "./messages.js";
import type { ConversationState } from "./state.js";

/**
 * Turns a step into channel-neutral replies in the defender's language: the question, its options (as
 * buttons on Telegram, numbered lines on SMS), and the review summary.
 */

/** Step id of the yes/no asked before erasing. */
export const deleteConfirmStepId = "delete_confirm";
/** Step id of the "which answer to change" choice under the review. */
export const reviewPickStepId = "review_pick";
/** Done button of multi-select. */
export const doneOptionId = "__done";

function yesNo(lang: Lang, stepId: string, text: string): Reply {
  return {
    text,
    lang,
    choices: {
      stepId,
      mode: "single",
      options: [
        { id: "yes", label: t(lang, "yes") },
        { id: "no", label: t(lang, "no") },
      ],
    },
  };
}

/** The question of a step (not info/review/submit), with its options. */
export function renderQuestion(step: QuestionStep, state: ConversationState): Reply {
  const lang = state.lang;
  const text = t(lang, step.prompt);
  if (step.kind === "yesno") return yesNo(lang, step.id, text);
  if (step.kind !== "choice") return { text, lang };
  const options: ReplyOption[] = step.options.map((o) => {
    const option: ReplyOption = { id: o.id, label: t(step.labelsAreLiteral ? "en" : lang, o.label) };
    if (step.mode === "multiple") option.selected = state.draft?.includes(o.id) ?? false;
    return option;
  });
  const reply: Reply = { text, lang, choices: { stepId: step.id, mode: step.mode, options } };
  if (step.mode === "multiple" && reply.choices) reply.choices.doneLabel = t(lang, "done-label");
  return reply;
}

/** The erase confirmation. */
export function renderDeleteConfirm(lang: Lang): Reply {
  return yesNo(lang, deleteConfirmStepId, t(lang, "delete-confirm"));
}

/** Steps whose answers the review lists (and lets the defender change), in flow order. */
export function reviewableSteps(flow: Flow, state: ConversationState): QuestionStep[] {
  return flow.steps.filter(
    (s): s is QuestionStep =>
      isQuestion(s) &&
      s.id !== flow.languageStep &&
      s.id !== flow.consentStep &&
      applies(s, state.answers) &&
      state.answers[s.id] !== undefined,
  );
}

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 3).join("")}...`;
}

/** One answer as the defender would read it back. */
export function formatAnswer(step: FlowStep, value: AnswerValue, lang: Lang): string {
  if (typeof value === "boolean") return t(lang, value ? "yes" : "no");
  if (typeof value === "number") return String(value);
  if (Array.isArray(value) || step.kind === "choice") {
    const ids = Array.isArray(value) ? value : [String(value)];
    const options = step.kind === "choice" ? step.options : [];
    return ids.map((id) => t(lang, options.find((o) => o.id === id)?.label ?? id)).join(", ");
  }
  if (typeof value === "object") return t(lang, "value-days-ago", { days: value.approxDaysAgo });
  if (step.kind === "country") return countryName(value, lang);
  if (value === "") return t(lang, "value-skipped");
  return shorten(value, 40);
}

/** The review: a numbered summary, then "send or change?". */
export function renderReview(flow: Flow, state: ConversationState): Reply[] {
  const lang = state.lang;
  const lines = reviewableSteps(flow, state).map((s, i) => {
    const value = state.answers[s.id];
    const shown = value === undefined ? "" : formatAnswer(s, value, lang);
    return `${i + 1}. ${t(lang, s.label ?? s.prompt)}: ${shown}`;
  });
  const summary: Reply = { text: [t(lang, "review-summary-title"), ...lines].join("\n"), lang };
  const question: Reply = {
    text: t(lang, "review-prompt"),
    lang,
    choices: {
      stepId: "review",
      mode: "single",
      options: [
        { id: "send", label: t(lang, "opt-review-send") },
        { id: "change", label: t(lang, "opt-review-change") },
      ],
    },
  };
  return [summary, question];
}

/** "Which answer do you want to change?", one option per reviewable answer. */
export function renderReviewPick(flow: Flow, state: ConversationState): Reply {
  const lang = state.lang;
  return {
    text: t(lang, "review-pick-prompt"),
    lang,
    choices: {
      stepId: reviewPickStepId,
      mode: "single",
      numberedAbove: true,
      options: reviewableSteps(flow, state).map((s) => ({ id: s.id, label: t(lang, s.label ?? s.prompt) })),
    },
  };
}
