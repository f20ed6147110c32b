import { isAppError } from "../../src/errors/app-error.js";
import { createAuditLog } from "../../src/storage/audit.js";
import { connectStorage } from "../../src/storage/connection.js";
import { loadConfigOrReport } from "./roles.js";
import type { Command, CommandIo } from "./types.js";

const usage = `usage: intake audit verify

Recomputes every hash of the audit log from the first event and checks each link, the sequence (no gaps) and
the recorded head (no truncation). Prints the result and the last hash (keep it elsewhere: a later run that
does not reach the same hash means the log was rewritten). Exit 0: intact; 1: broken; 2: could not check.`;

/** `intake audit verify`: checks the hash chain of the audit log. */
export const auditVerifyCommand: Command = {
  path: ["audit", "verify"],
  summary: "Verify the audit log's hash chain; exit 1 if it is broken",
  usage,
  async run(io: CommandIo) {
    if (io.args.length > 0) {
      io.stderr(usage);
      return 2;
    }
    const config = loadConfigOrReport(io);
    if (!config) return 2;
    const storage = connectStorage(config.mongo.uri);
    try {
      await storage.ping();
      const result = await createAuditLog({ connection: storage.connection }).verifyAuditChain();
      if (result.ok) {
        io.stdout(
          `audit chain ok: ${result.checked} events checked${result.lastHash ? `, last hash ${result.lastHash}` : ""}`,
        );
        return 0;
      }
      io.stdout(`audit chain BROKEN at seq ${result.brokenAt}: ${result.checked} events verified before it`);
      return 1;
    } catch (err) {
      if (isAppError(err)) io.stderr(`intake audit verify: ${err.code}: ${err.message}`);
      else
        io.stderr(
          `intake audit verify: MongoDB is not reachable or failed (${err instanceof Error ? err.name : "error"})`,
        );
      return 2;
    } finally {
      await storage.close();
    }
  },
};
