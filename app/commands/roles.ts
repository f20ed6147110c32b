import { ConfigError, loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/log/index.js";
import { type Role, startRole } from "../roles.js";
import type { Command, CommandIo } from "./types.js";

function roleCommand(role: Role, summary: string): Command {
  return {
    path: [role],
    summary,
    async run(io: CommandIo) {
      const config = loadConfigOrReport(io);
      if (!config) return 2;
      const log = createLogger({ level: config.logLevel, base: { service: "intake" } });
      const running = await startRole(role, config, log);
      running.context.lifecycle.closeOnSignals();
      io.stdout(`intake ${role}: listening on ${running.address} (health: ${running.address}/healthz)`);
      await new Promise<never>(() => {});
      return 0;
    },
  };
}

/** Loads the config, or prints every problem to stderr and returns undefined. */
export function loadConfigOrReport(io: CommandIo) {
  try {
    return loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      io.stderr("See .env.example for every variable and its default.");
      return undefined;
    }
    throw err;
  }
}

export const roleCommands: Command[] = [
  roleCommand("serve", "HTTP: channel webhooks, staff console, health and metrics"),
  roleCommand("work", "Queue workers: screening, outbound sender, maintenance"),
  roleCommand("all", "serve and work in one process (the demo's default)"),
];
