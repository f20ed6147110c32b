/**
 * The intake core's public surface: the pure engine, the flow types and the default flow, command
 * parsing and plain-text rendering for the adapters.
 */
export { checkFlow } from "./check-flow.js";
export { parseCommand } from "./commands.js";
export {
  helpAfterInvalid,
  markReminderSent,
  reminder,
  type StepDeps,
  type StepResult,
  step,
} from "./engine.js";
export type {
  Answers,
  AnswerValue,
  Condition,
  Flow,
  FlowOption,
  FlowStep,
  QuestionStep,
} from "./flow.js";
export { defaultFlow } from "./flows/default-flow.js";
export type { Effect, IntakeRecord } from "./intake-record.js";
export { withoutFormatCharacters } from "./normalise.js";
export { promptCatalogue } from "./prompt-catalogue.js";
export { newIntakeId, referenceFor, referencePattern } from "./reference.js";
export { doneOptionId } from "./render-step.js";
export { renderPlainText } from "./render-text.js";
export type { ConversationState, PendingQuestion } from "./state.js";
