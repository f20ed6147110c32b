import { auditCheckpointCommand, auditVerifyCommand } from "./audit.js";
import { consoleHashCommand, consoleVerifyCommand } from "./console.js";
import { keysCommands } from "./keys.js";
import { pinTeamCommand } from "./pin-team.js";
import { purgeCommand } from "./purge.js";
import { roleCommands } from "./roles.js";
import { staffAddCommand } from "./staff.js";
import { telegramSetWebhookCommand } from "./telegram.js";
import type { Command } from "./types.js";

/** Every `intake` subcommand. Each feature adds its commands here. */
export const commands: readonly Command[] = [
  ...roleCommands,
  staffAddCommand,
  telegramSetWebhookCommand,
  ...keysCommands,
  pinTeamCommand,
  purgeCommand,
  auditVerifyCommand,
  auditCheckpointCommand,
  consoleHashCommand,
  consoleVerifyCommand,
];
