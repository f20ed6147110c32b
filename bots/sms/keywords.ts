import { parseCommand } from "../../src/intake/index.js";
import type { CommandName } from "../../src/intake/messages.js";

/** The commands an SMS keyword can be, before the engine sees the text. */
export type SmsKeyword = Extract<CommandName, "stop" | "unstop" | "help">;

/**
 * Reads the carrier keywords of one SMS. Twilio's Advanced Opt-Out sends `OptOutType` (STOP, START,
 * HELP) when it recognised one, and it has already acted on it (a STOP blocks further sends with 21610),
 * so it wins. Otherwise `parseCommand` maps the words of all five languages (STOP, ARRET, PARAR, توقف,
 * СТОП...). Other commands (back, language...) stay text: the engine reads them in the conversation's
 * language.
 *
 * Twilio's default START list also contains YES, which is an ordinary answer mid-intake: `YES` with
 * OptOutType START is an opt-in only when the sender is currently opted out (`optedOut`).
 */
export function smsKeyword(
  text: string,
  optOutType: string | undefined,
  optedOut: boolean,
): SmsKeyword | undefined {
  const parsed = parseCommand(text);
  switch (optOutType?.toUpperCase()) {
    case "STOP":
      return "stop";
    case "HELP":
      return "help";
    case "START":
      return parsed === "unstop" || optedOut ? "unstop" : undefined;
    default:
      return parsed === "stop" || parsed === "unstop" || parsed === "help" ? parsed : undefined;
  }
}
