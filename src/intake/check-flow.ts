import { hasMessage } from "../i18n/translate.js";
import type { Condition, Flow } from "./flow.js";
import { INTAKE_PADDED_BYTES, jsonBytes, longestIntake } from "./intake-size.js";
import { type Lang, langs } from "./messages.js";

/**
 * Checks a flow before it ships: unique ids, a language and a consent step of the right kinds, conditions
 * that only look back at earlier answers, a review before the submit, and every prompt and label present
 * in every language, and answer limits whose longest intake fits the fixed size bucket. Returns the problems (ids only, never user text); empty means the flow is sound.
 */
export function checkFlow(flow: Flow): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const answerIds = (c: Condition): string[] =>
    "all" in c
      ? c.all.flatMap(answerIds)
      : "any" in c
        ? c.any.flatMap(answerIds)
        : "not" in c
          ? answerIds(c.not)
          : [c.answer];
  const message = (id: string, literal = false): void => {
    for (const lang of literal ? (["en"] as Lang[]) : langs) {
      if (!hasMessage(lang, id)) problems.push(`message ${id} missing in ${lang}`);
    }
  };
  for (const step of flow.steps) {
    if (seen.has(step.id)) problems.push(`step ${step.id} appears twice`);
    for (const id of step.when ? answerIds(step.when) : []) {
      if (!seen.has(id)) problems.push(`step ${step.id} depends on ${id}, which is not asked before it`);
    }
    seen.add(step.id);
    message(step.prompt);
    if (step.label) message(step.label);
    if (step.kind === "choice") {
      const ids = step.options.map((o) => o.id);
      if (new Set(ids).size !== ids.length) problems.push(`step ${step.id} has duplicate option ids`);
      for (const o of step.options) message(o.label, step.labelsAreLiteral);
    }
  }
  const language = flow.steps.find((s) => s.id === flow.languageStep);
  if (language?.kind !== "choice" || language.mode !== "single")
    problems.push("language step must be a single choice");
  else if (language.options.map((o) => o.id).join() !== langs.join())
    problems.push("language options must be the languages");
  if (flow.steps.find((s) => s.id === flow.consentStep)?.kind !== "yesno")
    problems.push("consent step must be yes/no");
  const kinds = flow.steps.map((s) => s.kind);
  if (kinds.at(-1) !== "submit") problems.push("the last step must be the submit");
  if (kinds.indexOf("review") !== kinds.length - 2)
    problems.push("the review must come just before the submit");
  const longest = jsonBytes(longestIntake(flow));
  if (longest > INTAKE_PADDED_BYTES)
    problems.push(
      `the longest intake (${longest} bytes) exceeds the intake size bucket (${INTAKE_PADDED_BYTES})`,
    );
  return problems;
}
