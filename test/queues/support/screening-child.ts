/**
 * A screening worker in its own process, for crash tests: the test SIGKILLs it mid-job and starts another.
 * Configured through the environment by the test; logs (JSON lines) go to stdout for canary scans; sends
 * "ready" over IPC once MongoDB answered and the worker runs; closes gracefully on SIGTERM.
 */
import { Redis } from "ioredis";
import { createScreeningWorker } from "../../../queues/screening-worker.js";
import { loadRoleKeys } from "../../../src/keys/index.js";
import { createLogger } from "../../../src/log/index.js";
import { connectStorage } from "../../../src/storage/connection.js";
import { createRequestStore } from "../../../src/storage/requests.js";

const env = process.env;
const log = createLogger({ level: "info" });
const keys = await loadRoleKeys(env.CHILD_KEYS_DIR ?? "", "work", log);
const storage = connectStorage(env.CHILD_MONGO_URI ?? "");
await storage.ping();
const requests = createRequestStore({ connection: storage.connection, retentionDays: 90 });
const connection = new Redis(env.CHILD_REDIS_URL ?? "", { maxRetriesPerRequest: null });
const screening = createScreeningWorker({
  connection,
  prefix: env.CHILD_PREFIX ?? "",
  keys,
  requests,
  teamKey: async () => keys.team,
  log,
  lockDurationMs: 1500,
  stalledIntervalMs: 500,
});
// Graceful shutdown as the roles do it: stop taking jobs, finish the active ones, then exit.
process.once("SIGTERM", () => {
  void (async () => {
    await screening.close(10_000);
    await storage.close();
    connection.disconnect();
    process.exit(0);
  })();
});
process.send?.("ready");
