import type { FastifyInstance } from "fastify";
import type { RoleContext } from "./context.js";

/**
 * The parts each role wires. Channel webhooks, the staff console and /metrics register here; workers
 * start here. Kept apart from roles.ts so each feature adds one line, not a new composition root.
 */
export function httpPlugins(_context: RoleContext): Array<(app: FastifyInstance) => Promise<void> | void> {
  return [];
}

/** Starts the queue workers for `work` and `all`, registering each with the lifecycle. */
export async function startWorkers(_context: RoleContext): Promise<void> {}
