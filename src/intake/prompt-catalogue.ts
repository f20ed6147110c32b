import { t } from "../i18n/translate.js";
import { type Flow, isQuestion } from "./flow.js";
import type { Lang, Reply } from "./messages.js";
import { renderDeleteConfirm, renderQuestion, renderReview, renderReviewPick } from "./render-step.js";
import type { ConversationState } from "./state.js";

/**
 * Every fixed message the engine can send in a language, rendered as the engine renders it (questions
 * with their options). The SMS segment check and docs/sms-segments.md are built from this list, so a new
 * prompt is checked as soon as it is added here or to a flow.
 */
export function promptCatalogue(flow: Flow, lang: Lang): Array<{ id: string; reply: Reply }> {
  const state: ConversationState = {
    v: 1,
    flowVersion: flow.version,
    lang,
    step: flow.languageStep,
    answers: {},
    history: [],
    invalidCount: 0,
    startedAt: 0,
    lastActivityAt: 0,
    reminderSentAt: null,
    intakeId: "catalogue",
    channel: "sms",
    sender: "",
    replyAddress: "",
    pending: null,
    draft: null,
    reviewing: false,
    optedOut: false,
  };
  const text = (id: string, args?: Record<string, string | number>): { id: string; reply: Reply } => ({
    id,
    reply: { text: t(lang, id, args), lang },
  });
  const out: Array<{ id: string; reply: Reply }> = [];
  for (const step of flow.steps) {
    if (isQuestion(step)) out.push({ id: step.id, reply: renderQuestion(step, state) });
    else if (step.kind === "info") out.push(text(step.prompt));
    else if (step.kind === "submit") out.push(text(step.prompt, { reference: "ABCD-EFGH" }));
    else if (step.kind === "review") {
      const question = renderReview(flow, state)[1];
      if (question) out.push({ id: "review", reply: question });
      out.push({ id: "review_pick", reply: renderReviewPick(flow, state) });
    }
  }
  const longestMax = Math.max(...flow.steps.map((s) => (s.kind === "text" ? s.maxLength : 0)));
  const reprompts: Array<[string, Record<string, number>?]> = [
    ["invalid-choice"],
    ["invalid-multiple"],
    ["invalid-yesno"],
    ["invalid-text-empty"],
    ["invalid-text-long", { max: longestMax }],
    ["invalid-number", { min: 1, max: 50 }],
    ["invalid-country"],
    ["invalid-since"],
    ["invalid-unsupported"],
  ];
  for (const [id, args] of reprompts) {
    out.push(text(id, args));
    // the third invalid answer in a row adds the help offer to the same message
    out.push({
      id: `${id} + help-offer`,
      reply: { text: `${t(lang, id, args)}\n${t(lang, "help-offer")}`, lang },
    });
  }
  out.push({ id: "delete-confirm", reply: renderDeleteConfirm(lang) });
  for (const id of [
    "invalid-stale",
    "help",
    "back-at-start",
    "consent-declined",
    "delete-done",
    "delete-cancelled",
    "wipe-started",
    "wipe-sms",
    "stop-done",
    "welcome-back",
    "rate-limited",
    "flow-changed",
  ]) {
    out.push(text(id));
  }
  out.push(text("reminder", { hours: 36 }));
  return out;
}
