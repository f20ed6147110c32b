import { t } from "../i18n/translate.js";
import type { Reply } from "./messages.js";

/**
 * A reply as plain text, for SMS on basic phones: the text, then one numbered option per line
 * ("1 Yes\n2 No"). Multi-select adds one short hint. No markup, no emoji (they force UCS-2). Options that
 * repeat a list sent just before (`numberedAbove`) are not repeated: each SMS segment costs money.
 */
export function renderPlainText(reply: Reply): string {
  const lines = [reply.text];
  const choices = reply.choices;
  if (choices && !choices.numberedAbove) {
    choices.options.forEach((option, i) => {
      lines.push(`${i + 1} ${option.label}`);
    });
    if (choices.mode === "multiple") lines.push(t(reply.lang, "hint-multiple"));
  }
  return lines.join("\n");
}
