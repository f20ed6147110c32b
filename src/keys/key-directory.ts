import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromBase64url, isKeyId, secureKey, toBase64url } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";

/** The service keys `intake keys init` makes; each has its own file and purpose. */
export const SERVICE_KEY_NAMES = ["intake", "state", "lookup", "outbound", "audit"] as const;
export type ServiceKeyName = (typeof SERVICE_KEY_NAMES)[number];
/** Every key the manifest can list: the service keys plus the team public key (added with the first admin). */
export type KeyName = ServiceKeyName | "team";

/** X25519 key pairs (public key in the manifest, secret in `<name>.key`) vs 32-byte secrets (`<name>.key` only). */
export const keyKinds: Readonly<Record<KeyName, "box" | "secret">> = {
  intake: "box",
  state: "secret",
  lookup: "secret",
  outbound: "box",
  audit: "secret",
  team: "box",
};

export const MANIFEST_FILE = "manifest.json";

/** The file holding every version of a key's secret. */
export function secretFileName(name: ServiceKeyName): string {
  return `${name}.key`;
}

/** One key in the manifest: which id new writes use, and every id still readable (with its public key). */
export interface ManifestEntry {
  readonly current: string;
  readonly versions: Readonly<Record<string, { readonly created: string; readonly publicKey?: string }>>;
}

/**
 * `manifest.json`: key ids and public keys only, never a secret. Every role reads it; the secrets it lists live
 * in `<name>.key` files that are copied only to the hosts whose role needs them.
 */
export interface Manifest {
  readonly format: 1;
  readonly keys: Readonly<Partial<Record<KeyName, ManifestEntry>>>;
}

/** `<name>.key`: every version of one secret, by key id, base64url. */
interface SecretFile {
  readonly format: 1;
  readonly name: ServiceKeyName;
  readonly keys: Readonly<Record<string, string>>;
}

/** Creates the key directory (0700) if needed. */
export function ensureKeyDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes a file 0600: `exclusive` refuses to replace an existing file; otherwise it is replaced atomically. */
export function writePrivateFile(dir: string, file: string, text: string, exclusive: boolean): void {
  const path = join(dir, file);
  if (exclusive) {
    writeFileSync(path, text, { mode: 0o600, flag: "wx" });
    return;
  }
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
  renameSync(tmp, path);
}

/** Reads the manifest, or fails with KEY_MISSING / KEY_INVALID naming the file. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new AppError("KEY_MISSING", { detail: MANIFEST_FILE });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new AppError("KEY_INVALID", { detail: MANIFEST_FILE, cause: err });
  }
  if (!isRecord(parsed) || parsed.format !== 1 || !isRecord(parsed.keys)) {
    throw new AppError("KEY_INVALID", { detail: MANIFEST_FILE });
  }
  for (const [name, entry] of Object.entries(parsed.keys)) {
    if (!(name in keyKinds) || !isManifestEntry(entry, keyKinds[name as KeyName])) {
      throw new AppError("KEY_INVALID", { detail: `${MANIFEST_FILE}: ${safeName(name)}` });
    }
  }
  return parsed as unknown as Manifest;
}

/** Writes the manifest atomically (0600). */
export function writeManifest(dir: string, manifest: Manifest, exclusive = false): void {
  writePrivateFile(dir, MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`, exclusive);
}

/** Reads every version of a secret; KEY_MISSING names the file, KEY_INVALID a malformed one. */
export function readSecretFile(dir: string, name: ServiceKeyName): Map<string, Uint8Array> {
  const file = secretFileName(name);
  const path = join(dir, file);
  if (!existsSync(path)) throw new AppError("KEY_MISSING", { detail: file });
  const raw = readFileSync(path);
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new AppError("KEY_INVALID", { detail: file, cause: err });
    }
    if (!isRecord(parsed) || parsed.format !== 1 || parsed.name !== name || !isRecord(parsed.keys)) {
      throw new AppError("KEY_INVALID", { detail: file });
    }
    const out = new Map<string, Uint8Array>();
    for (const [keyId, value] of Object.entries(parsed.keys)) {
      if (!isKeyId(keyId) || typeof value !== "string") throw new AppError("KEY_INVALID", { detail: file });
      let bytes: Uint8Array;
      try {
        bytes = fromBase64url(value);
      } catch (err) {
        throw new AppError("KEY_INVALID", { detail: file, cause: err });
      }
      if (bytes.length !== 32) throw new AppError("KEY_INVALID", { detail: file });
      out.set(keyId, secureKey(bytes));
    }
    return out;
  } finally {
    raw.fill(0);
  }
}

/** Writes every version of a secret to `<name>.key` (0600). */
export function writeSecretFile(
  dir: string,
  name: ServiceKeyName,
  keys: ReadonlyMap<string, Uint8Array>,
  exclusive: boolean,
): void {
  const body: SecretFile = {
    format: 1,
    name,
    keys: Object.fromEntries([...keys].map(([id, k]) => [id, toBase64url(k)])),
  };
  writePrivateFile(dir, secretFileName(name), `${JSON.stringify(body, null, 2)}\n`, exclusive);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isManifestEntry(v: unknown, kind: "box" | "secret"): boolean {
  if (!isRecord(v) || typeof v.current !== "string" || !isRecord(v.versions)) return false;
  if (!(v.current in v.versions)) return false;
  return Object.entries(v.versions).every(
    ([id, ver]) =>
      isKeyId(id) &&
      isRecord(ver) &&
      typeof ver.created === "string" &&
      (kind === "secret" ? ver.publicKey === undefined : typeof ver.publicKey === "string"),
  );
}

function safeName(name: string): string {
  return /^[a-z]{1,16}$/.test(name) ? name : "unknown key";
}
