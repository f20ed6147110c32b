import { createHash, createHmac } from "node:crypto";
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Keyring } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import {
  type ManifestEntry,
  readManifest,
  readSecretFile,
  secretFileName,
  writeManifest,
  writeSecretFile,
} from "./key-directory.js";

/**
 * The lookup key by epoch (requirement 28). Sender hashes are keyed BLAKE2b under the lookup key; whoever holds
 * that key can test phone numbers against them. So the key moves forward every `epochDays` along a one-way
 * ratchet, K(e) = HMAC-SHA256(K(e-1), label || e), and a host keeps only the current epoch's key and the one
 * before it (the overlap the duplicate check and a conversation crossing the boundary need). A seized host can
 * then link nothing hashed more than two epochs ago: it cannot run the ratchet backwards.
 *
 * Every host holding `lookup.key` advances its own copy the same way, so serve and work agree without talking
 * to each other. A legacy random key (or one added by `intake keys rotate lookup`) seeds the ratchet: it is
 * kept as the previous key for one epoch, then dropped like any other.
 */
export interface LookupEpochOptions {
  /** Epoch length in days (LOOKUP_EPOCH_DAYS). */
  readonly epochDays: number;
  readonly now: Date;
}

const RATCHET_LABEL = "hrd-intake.lookup.ratchet.v1";
const DAY_MS = 86_400_000;
const epochIdPattern = /^lk-(\d{1,9})-[a-z2-7]{6}$/;

/** The epoch number of a moment: whole `epochDays` periods since 1970-01-01 UTC. */
export function epochOf(now: Date, epochDays: number): number {
  if (!Number.isInteger(epochDays) || epochDays < 1)
    throw new AppError("CONFIG_INVALID", { detail: "epoch days" });
  return Math.floor(now.getTime() / DAY_MS / epochDays);
}

/** One step of the ratchet: the key of `epoch` from the key before it (or from a seed). */
export function ratchetLookupKey(previous: Uint8Array, epoch: number): Uint8Array {
  const mac = createHmac("sha256", previous);
  mac.update(`${RATCHET_LABEL}\u0000${epoch}`);
  return new Uint8Array(mac.digest());
}

/** The key id of an epoch key: its epoch and a fingerprint, so two seeds never share an id. */
export function epochKeyId(epoch: number, key: Uint8Array): string {
  const digest = createHash("sha256").update("hrd-intake.lookup.key-id.v1").update(key).digest();
  return `lk-${epoch}-${base32(digest).slice(0, 6)}`;
}

/** The epoch an id names, or undefined for a key that is not an epoch key (a seed). */
export function epochOfKeyId(keyId: string): number | undefined {
  const m = epochIdPattern.exec(keyId);
  return m ? Number(m[1]) : undefined;
}

export interface EpochAdvance {
  /** The current key id afterwards. */
  readonly current: string;
  /** Key ids removed from `lookup.key` and the manifest. */
  readonly dropped: readonly string[];
  /** Whether the files changed. */
  readonly changed: boolean;
}

/**
 * Brings `lookup.key` in `dir` to the epoch of `now`: ratchets forward from the newest key it holds, keeps that
 * epoch's key and the previous one, and rewrites the file (the replaced file is overwritten with zeros first;
 * see docs/security.md for what a filesystem may still keep). Idempotent within an epoch; never goes back
 * (a shorter LOOKUP_EPOCH_DAYS only takes effect once its epoch number passes the stored one).
 */
export function advanceLookupEpoch(dir: string, options: LookupEpochOptions): EpochAdvance {
  const target = epochOf(options.now, options.epochDays);
  const manifest = readManifest(dir);
  const entry = manifest.keys.lookup;
  if (!entry) throw new AppError("KEY_MISSING", { detail: "manifest.json: lookup" });
  const stored = readSecretFile(dir, "lookup");
  try {
    // The manifest is written after the key file: after a crash between the two, the file's newest epoch key
    // is the current one.
    const startId = stored.has(entry.current) ? entry.current : newestEpochId(stored.keys());
    const seed = startId === undefined ? undefined : stored.get(startId);
    if (startId === undefined || !seed) {
      throw new AppError("KEY_MISSING", { detail: `lookup.key (key id ${entry.current})` });
    }
    const currentEpoch = epochOfKeyId(startId);
    if (currentEpoch !== undefined && currentEpoch >= target) {
      if (startId !== entry.current) writeManifestEntry(dir, startId, [...stored.keys()], options.now);
      return { current: startId, dropped: [], changed: startId !== entry.current };
    }
    // From a seed, the first epoch key is derived for the target epoch itself; from an epoch key, step by
    // step. Afterwards `previous` is the key of the epoch before the target (or the seed) and is kept.
    let previousId = startId;
    let previous: Uint8Array = seed.slice();
    let current: Uint8Array | undefined;
    let currentId = "";
    for (let epoch = (currentEpoch ?? target - 1) + 1; epoch <= target; epoch++) {
      const next = ratchetLookupKey(previous, epoch);
      if (epoch < target) {
        previous.fill(0);
        previous = next;
        previousId = epochKeyId(epoch, next);
      } else {
        current = next;
        currentId = epochKeyId(epoch, next);
      }
    }
    if (!current) throw new AppError("INTERNAL", { detail: "lookup epoch" });
    const kept = new Map<string, Uint8Array>([
      [currentId, current],
      [previousId, previous],
    ]);
    const newCurrent = currentId;
    const dropped = [...stored.keys()].filter((id) => !kept.has(id));
    replaceScrubbing(join(dir, secretFileName("lookup")), () => writeSecretFile(dir, "lookup", kept, false));
    writeManifestEntry(dir, newCurrent, [...kept.keys()], options.now);
    for (const key of kept.values()) key.fill(0);
    return { current: newCurrent, dropped, changed: true };
  } finally {
    for (const key of stored.values()) key.fill(0);
  }
}

/**
 * Replaces the contents of a running process's lookup keyring with `fresh` (same object, so every component
 * holding it hashes under the new epoch at once), wiping the bytes of dropped keys.
 */
export function refreshKeyringInPlace(ring: Keyring<Uint8Array>, fresh: Keyring<Uint8Array>): void {
  const keys = ring.keys as Map<string, Uint8Array>;
  for (const [id, key] of fresh.keys) keys.set(id, key);
  (ring as { current: string }).current = fresh.current;
  for (const [id, key] of [...keys]) {
    if (!fresh.keys.has(id)) {
      key.fill(0);
      keys.delete(id);
    }
  }
}

function newestEpochId(ids: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const id of ids) {
    const e = epochOfKeyId(id);
    if (e !== undefined && (best === undefined || e > (epochOfKeyId(best) ?? -1))) best = id;
  }
  return best;
}

function writeManifestEntry(dir: string, current: string, ids: readonly string[], now: Date): void {
  const manifest = readManifest(dir);
  const old = manifest.keys.lookup?.versions ?? {};
  const versions: Record<string, { created: string }> = {};
  // Day precision: the manifest need not say when, to the second, a key came to be.
  for (const id of ids) versions[id] = old[id] ?? { created: now.toISOString().slice(0, 10) };
  const entry: ManifestEntry = { current, versions };
  writeManifest(dir, { ...manifest, keys: { ...manifest.keys, lookup: entry } });
}

/**
 * Replaces a file atomically (`write`), then overwrites the replaced inode with zeros through a descriptor
 * opened before: a crash at any point leaves either the old or the new file whole, and the old key bytes do
 * not stay in the old inode's blocks (a copy-on-write or flash filesystem may still keep them: see
 * docs/security.md).
 */
function replaceScrubbing(path: string, write: () => void): void {
  const fd = existsSync(path) ? openSync(path, "r+") : undefined;
  try {
    write();
    if (fd !== undefined) {
      const size = fstatSync(fd).size;
      writeSync(fd, Buffer.alloc(size), 0, size, 0);
      fsyncSync(fd);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function base32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** What a running process needs to keep its lookup keyrings on the current epoch. */
export interface LookupEpochKeeper {
  /** Advances the files if an epoch passed and refreshes the rings in place; returns whether anything changed. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Advances `lookup.key` in `dir` now and then every `checkEveryMs` (an hour by default), refreshing `rings`
 * (the keyrings every component of this process holds) in place. `reload` reads the ring from the files.
 * A key directory that cannot be written (read-only mount) is reported once as `keys.lookup_epoch_stuck` and
 * the process keeps the key it has: it still works, but hashes stay linkable until an operator fixes it.
 */
export function keepLookupEpochCurrent(options: {
  readonly dir: string;
  readonly epochDays: number;
  readonly rings: readonly Keyring<Uint8Array>[];
  readonly reload: () => Promise<Keyring<Uint8Array>> | Keyring<Uint8Array>;
  readonly log: {
    warn(event: string, fields?: Record<string, unknown>): void;
    info(event: string, fields?: Record<string, unknown>): void;
  };
  readonly clock?: () => Date;
  readonly checkEveryMs?: number;
}): LookupEpochKeeper {
  const clock = options.clock ?? (() => new Date());
  let warned = false;
  const check = async (): Promise<boolean> => {
    let advanced: EpochAdvance;
    try {
      advanced = advanceLookupEpoch(options.dir, { epochDays: options.epochDays, now: clock() });
    } catch (err) {
      if (!warned) {
        warned = true;
        options.log.warn("keys.lookup_epoch_stuck", { code: (err as { code?: string }).code ?? "UNKNOWN" });
      }
      return false;
    }
    const stale = options.rings.some((r) => r.current !== advanced.current);
    if (!stale) return false;
    // One reload per ring: each gets its own key buffers (in secure memory, as loading puts them there).
    for (const ring of options.rings) refreshKeyringInPlace(ring, await options.reload());
    options.log.info("keys.lookup_epoch_advanced", {
      keyId: advanced.current,
      dropped: advanced.dropped.length,
    });
    return true;
  };
  const timer = setInterval(() => {
    check().catch((err: unknown) => {
      options.log.warn("keys.lookup_epoch_stuck", { code: (err as { code?: string }).code ?? "UNKNOWN" });
    });
  }, options.checkEveryMs ?? 3_600_000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
