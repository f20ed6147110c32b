import { hasMessage, t } from "../../src/i18n/translate.js";
import {
  type ConversationState,
  defaultFlow,
  type Flow,
  markReminderSent,
  newIntakeId,
  reminder,
  step,
} from "../../src/intake/index.js";
import type { Lang } from "../../src/intake/messages.js";
import type { IngressEngine } from "./ports.js";

/** The intake engine as the ingress calls it: the default flow, fresh intake ids, the conversation TTL. */
export function createIngressEngine(options: {
  ttlMs: number;
  flow?: Flow;
}): IngressEngine<ConversationState> {
  const flow = options.flow ?? defaultFlow;
  return {
    step: (state, inbound, now) => step(flow, state, inbound, now, { newId: newIntakeId }),
    reminder: (state, now) => reminder(state, now, options.ttlMs),
    reminded: (state, now) => markReminderSent(state, now),
    limitedNotice: (lang: Lang) => ({
      text: t(lang, hasMessage(lang, "rate-limited") ? "rate-limited" : "help"),
      lang,
    }),
    langOf: (state) => state?.lang ?? "en",
  };
}
