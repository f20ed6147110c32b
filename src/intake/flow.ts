/**
 * A flow is data: the steps of a conversation, how each answer is read and checked, which answers are
 * sensitive, and when a step applies. The engine (`engine.ts`) walks any flow; `flows/default-flow.ts`
 * is the one that ships. Prompts and labels are Fluent message ids, resolved in the defender's language.
 */

/** What one answer holds once accepted (always plain JSON). */
export type AnswerValue = string | number | boolean | string[] | { approxDaysAgo: number };

/** The answers so far, by step id. */
export type Answers = Record<string, AnswerValue>;

/** When a step applies, decided from earlier answers. Plain data so flows stay serialisable. */
export type Condition =
  | { answer: string; equals: string | number | boolean }
  | { answer: string; includes: string }
  | { answer: string; answered: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** An option of a choice step; `label` is a Fluent id, `aliases` extra words that pick it in any language. */
export interface FlowOption {
  id: string;
  label: string;
  aliases?: string[];
}

interface StepBase {
  id: string;
  /** Fluent id of the question (or of the text, for info steps). */
  prompt: string;
  /** Fluent id of the short label used in the review summary. */
  label?: string;
  /** Free text or identifying content: shown truncated in review and never logged. */
  sensitive?: boolean;
  /** The step is asked only when this holds; otherwise skipped and its answer left out. */
  when?: Condition;
}

export type ChoiceStep = StepBase & {
  kind: "choice";
  mode: "single" | "multiple";
  options: FlowOption[];
  /** Option labels are the same in every language, taken from en.ftl (the language menu: each in its own name). */
  labelsAreLiteral?: boolean;
};
export type TextStep = StepBase & { kind: "text"; maxLength: number; optional?: boolean };
export type NumberStep = StepBase & { kind: "number"; min: number; max: number };
export type YesNoStep = StepBase & { kind: "yesno" };
export type CountryStep = StepBase & { kind: "country" };
/** A date or "how long ago", stored as `{ approxDaysAgo }`. */
export type SinceStep = StepBase & { kind: "since"; maxYears: number };
/** Text only; the engine moves straight on to the next step. */
export type InfoStep = StepBase & { kind: "info" };
/** Summary of the answers; the defender sends or changes one answer and comes back here. */
export type ReviewStep = StepBase & { kind: "review" };
/** The end: the intake is completed and the defender gets the reference code. */
export type SubmitStep = StepBase & { kind: "submit" };

export type FlowStep =
  | ChoiceStep
  | TextStep
  | NumberStep
  | YesNoStep
  | CountryStep
  | SinceStep
  | InfoStep
  | ReviewStep
  | SubmitStep;

/** Steps that take an answer from the defender. */
export type QuestionStep = ChoiceStep | TextStep | NumberStep | YesNoStep | CountryStep | SinceStep;

export interface Flow {
  /** Recorded in the conversation state and the intake, e.g. "default@1". Bump on any change of ids. */
  version: string;
  /** Version of the consent text the defender agreed to, e.g. "consent@1". */
  consentVersion: string;
  /** The step whose answer is the conversation language (a choice with option ids = Lang). */
  languageStep: string;
  /** The yes/no step whose "no" ends the conversation with nothing kept. */
  consentStep: string;
  steps: FlowStep[];
}

/** True when a step takes an answer. */
export function isQuestion(step: FlowStep): step is QuestionStep {
  return step.kind !== "info" && step.kind !== "review" && step.kind !== "submit";
}

/** Evaluates a condition against the answers so far. */
export function holds(condition: Condition | undefined, answers: Answers): boolean {
  if (condition === undefined) return true;
  if ("all" in condition) return condition.all.every((c) => holds(c, answers));
  if ("any" in condition) return condition.any.some((c) => holds(c, answers));
  if ("not" in condition) return !holds(condition.not, answers);
  const value = answers[condition.answer];
  if ("answered" in condition) return (value !== undefined) === condition.answered;
  if ("includes" in condition) return Array.isArray(value) && value.includes(condition.includes);
  return value === condition.equals;
}

/** Finds a step by id. */
export function findStep(flow: Flow, id: string): FlowStep | undefined {
  return flow.steps.find((s) => s.id === id);
}

/** Whether the step applies to these answers. */
export function applies(step: FlowStep, answers: Answers): boolean {
  return holds(step.when, answers);
}
