import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isAppError } from "../../src/errors/app-error.js";
import { type AuditKeyring, loadAuditKey } from "../../src/keys/index.js";
import { type AuditLog, createAuditLog } from "../../src/storage/audit.js";
import { makeAuditCheckpoint, readAuditCheckpoint } from "../../src/storage/audit-checkpoint.js";
import { connectStorage } from "../../src/storage/connection.js";
import { loadConfigOrReport } from "./roles.js";
import type { Command, CommandIo } from "./types.js";

const verifyUsage = `usage: intake audit verify [--checkpoint FILE]...

Recomputes every link of the audit log from the first event: each keyed link (HMAC-SHA256 under the audit
key in KEYS_DIR/audit.key, which is not in MongoDB), the legacy SHA-256 links that may start the chain, the
sequence (no gaps) and the keyed head record (no truncation). Someone who deletes or edits an event and
recomputes the chain without the audit key is caught. With --checkpoint, also checks that the chain still
holds the event each checkpoint file (from intake audit checkpoint) recorded. Exit 0: intact; 1: broken or
a checkpoint does not match; 2: could not check.`;

const checkpointUsage = `usage: intake audit checkpoint --out FILE

Verifies the audit chain, then writes a checkpoint (the newest event's sequence number and hash, the count
and the time, with an HMAC under the audit key) to FILE. Keep checkpoints away from this host and from
MongoDB (for example mailed to a second person daily): intake audit verify --checkpoint FILE later shows
whether anything up to that point was rewritten, even by someone holding the audit key.`;

/** Opens MongoDB and the audit key, runs `body`, and maps failures to exit code 2 with a content-free message. */
async function withAuditLog(
  io: CommandIo,
  name: string,
  body: (audit: AuditLog, key: AuditKeyring) => Promise<number>,
): Promise<number> {
  const config = loadConfigOrReport(io);
  if (!config) return 2;
  const storage = connectStorage(config.mongo.uri);
  try {
    const key = await loadAuditKey(config.keysDir);
    await storage.ping();
    return await body(createAuditLog({ connection: storage.connection, key }), key);
  } catch (err) {
    if (isAppError(err)) io.stderr(`intake audit ${name}: ${err.code}: ${err.message}`);
    else
      io.stderr(
        `intake audit ${name}: MongoDB is not reachable or failed (${err instanceof Error ? err.name : "error"})`,
      );
    return 2;
  } finally {
    await storage.close();
  }
}

/** `intake audit verify`: checks the keyed hash chain of the audit log, and optional checkpoints. */
export const auditVerifyCommand: Command = {
  path: ["audit", "verify"],
  summary: "Verify the audit log's keyed hash chain (and checkpoints); exit 1 if it is broken",
  usage: verifyUsage,
  async run(io: CommandIo) {
    let checkpoints: string[];
    try {
      const { values } = parseArgs({
        args: [...io.args],
        options: { checkpoint: { type: "string", multiple: true } },
        strict: true,
      });
      checkpoints = values.checkpoint ?? [];
    } catch {
      io.stderr(verifyUsage);
      return 2;
    }
    return withAuditLog(io, "verify", async (audit, key) => {
      const result = await audit.verifyAuditChain();
      const legacy = result.legacy ? ` (${result.legacy} legacy unkeyed events first)` : "";
      if (!result.ok) {
        io.stdout(
          `audit chain BROKEN at seq ${result.brokenAt} (${result.reason ?? "link"}): ${result.checked} events verified before it${legacy}`,
        );
        return 1;
      }
      io.stdout(
        `audit chain ok: ${result.checked} events checked${result.lastHash ? `, last hash ${result.lastHash}` : ""}${legacy}`,
      );
      let code = 0;
      for (const file of checkpoints) {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch {
          io.stdout(`checkpoint ${file}: cannot be read`);
          code = Math.max(code, 2);
          continue;
        }
        const read = readAuditCheckpoint(text, key);
        if ("problem" in read) {
          io.stdout(`checkpoint ${file}: INVALID (${read.problem})`);
          code = 1;
          continue;
        }
        const { checkpoint } = read;
        const stored = checkpoint.seq === 0 ? undefined : await audit.hashAt(checkpoint.seq);
        const holds =
          checkpoint.seq <= result.checked && (checkpoint.seq === 0 || stored === checkpoint.head);
        if (holds) {
          io.stdout(`checkpoint ${file}: ok (seq ${checkpoint.seq} of ${checkpoint.at} is unchanged)`);
        } else {
          io.stdout(
            `checkpoint ${file}: MISMATCH: the chain was rewritten or truncated at or before seq ${checkpoint.seq} (${checkpoint.at})`,
          );
          code = 1;
        }
      }
      return code;
    });
  },
};

/** `intake audit checkpoint`: exports a keyed checkpoint of the verified chain to a file. */
export const auditCheckpointCommand: Command = {
  path: ["audit", "checkpoint"],
  summary: "Write a keyed checkpoint (head hash, count, time) of the audit chain to a file",
  usage: checkpointUsage,
  async run(io: CommandIo) {
    let out: string | undefined;
    try {
      const { values } = parseArgs({
        args: [...io.args],
        options: { out: { type: "string" } },
        strict: true,
      });
      out = values.out;
    } catch {
      out = undefined;
    }
    if (!out) {
      io.stderr(checkpointUsage);
      return 2;
    }
    const file = out;
    return withAuditLog(io, "checkpoint", async (audit, key) => {
      const result = await audit.verifyAuditChain();
      if (!result.ok) {
        io.stderr(
          `intake audit checkpoint: the chain is BROKEN at seq ${result.brokenAt}: no checkpoint written (run intake audit verify)`,
        );
        return 1;
      }
      const checkpoint = makeAuditCheckpoint(
        { seq: result.checked, head: result.lastHash ?? "0".repeat(64) },
        key,
        new Date(),
      );
      writeFileSync(file, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o600 });
      io.stdout(`audit checkpoint: seq ${checkpoint.seq}, head ${checkpoint.head}, at ${checkpoint.at}`);
      io.stdout(`written to ${file}: keep a copy away from this host and from MongoDB`);
      return 0;
    });
  },
};
