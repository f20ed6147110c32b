import { purgeRequests } from "../../queues/maintenance.js";
import { isAppError } from "../../src/errors/app-error.js";
import { loadAuditKey } from "../../src/keys/index.js";
import { createLogger } from "../../src/log/index.js";
import { createAuditLog } from "../../src/storage/audit.js";
import { connectStorage } from "../../src/storage/connection.js";
import { createRequestStore } from "../../src/storage/requests.js";
import { loadConfigOrReport } from "./roles.js";
import type { Command, CommandIo } from "./types.js";

const usage = `usage: intake purge

Runs the retention purge once, now, as the hourly maintenance job does: every request past its retention
date loses its sealed data key and content (crypto-shredding), then its document is deleted. Prints counts.`;

/** `intake purge`: the retention purge, once, by hand (e.g. after lowering RETENTION_DAYS). */
export const purgeCommand: Command = {
  path: ["purge"],
  summary: "Crypto-shred and delete requests past retention, once; prints counts",
  usage,
  async run(io: CommandIo) {
    if (io.args.length > 0) {
      io.stderr(usage);
      return 2;
    }
    const config = loadConfigOrReport(io);
    if (!config) return 2;
    const log = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
    const storage = connectStorage(config.mongo.uri, config.mongo.keyStore);
    try {
      // Indexes are created by the roles at start-up (the audit log's unique seq index among them).
      await storage.ping();
      const requests = createRequestStore({
        connection: storage.connection,
        retentionDays: config.retentionDays,
        erasureKeys: storage.erasureKeys,
      });
      const audit = createAuditLog({
        connection: storage.connection,
        key: await loadAuditKey(config.keysDir),
      });
      const r = await purgeRequests({ requests, log, audit });
      io.stdout(`shredded ${r.shredded}, deleted ${r.deleted}, referrals deleted ${r.referralsDeleted}`);
      return 0;
    } catch (err) {
      if (isAppError(err)) {
        io.stderr(`intake purge: ${err.code}: ${err.message}`);
        return 1;
      }
      io.stderr(
        `intake purge: MongoDB is not reachable or failed (${err instanceof Error ? err.name : "error"})`,
      );
      return 1;
    } finally {
      await storage.close();
    }
  },
};
