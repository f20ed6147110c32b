import { cryptoReady } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import type { AuditKeyring } from "../storage/audit-chain.js";
import {
  MANIFEST_FILE,
  type Manifest,
  readManifest,
  readSecretFile,
  secretFileName,
} from "./key-directory.js";

export type { AuditKeyring } from "../storage/audit-chain.js";

/**
 * The audit chain key (security row 30): 32-byte secrets in `audit.key`, listed by id in the manifest, held
 * by the serve and work roles (both append events) and by the hosts that run `intake audit verify`. It is
 * never stored in MongoDB, so a database writer cannot relink the chain after deleting or editing an event.
 * `intake keys init` makes it; a directory made before it existed gets one with `intake keys generate audit`
 * (copy the file to every serve and work host: they must share it). Rotate with `intake keys rotate audit`:
 * old versions stay to verify old events. The oldest version's creation time is the legacy cutoff: unkeyed
 * events dated after it are rejected.
 */
export function auditKeyring(dir: string, manifest: Manifest): AuditKeyring {
  const entry = manifest.keys.audit;
  if (!entry) {
    throw new AppError("KEY_MISSING", {
      detail: `${MANIFEST_FILE}: audit (a key directory made before the audit key: run intake keys generate audit once and copy audit.key and ${MANIFEST_FILE} to every serve and work host)`,
    });
  }
  const file = readSecretFile(dir, "audit");
  const keys = new Map<string, Uint8Array>();
  let legacyBefore = Number.POSITIVE_INFINITY;
  for (const [keyId, v] of Object.entries(entry.versions)) {
    const key = file.get(keyId);
    if (!key) throw new AppError("KEY_MISSING", { detail: `${secretFileName("audit")} (key id ${keyId})` });
    keys.set(keyId, key);
    const created = Date.parse(v.created);
    if (Number.isNaN(created)) throw new AppError("KEY_INVALID", { detail: `${MANIFEST_FILE}: audit` });
    legacyBefore = Math.min(legacyBefore, created);
  }
  return { current: entry.current, keys, legacyBefore: new Date(legacyBefore) };
}

/** Loads the audit key ring from `dir` on its own (for CLI commands such as `intake audit verify`). */
export async function loadAuditKey(dir: string): Promise<AuditKeyring> {
  await cryptoReady();
  return auditKeyring(dir, readManifest(dir));
}
