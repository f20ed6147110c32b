import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  cryptoReady,
  generateBoxKeyPair,
  generateSecretKey,
  isKeyId,
  newKeyId,
  toBase64url,
  wipe,
} from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import {
  ensureKeyDir,
  type KeyName,
  keyKinds,
  MANIFEST_FILE,
  type Manifest,
  type ManifestEntry,
  readManifest,
  readSecretFile,
  SERVICE_KEY_NAMES,
  type ServiceKeyName,
  secretFileName,
  writeManifest,
  writeSecretFile,
} from "./key-directory.js";

/** Which role must be given which file: printed by `intake keys init` and documented in docs/crypto.md. */
export const filesByRole: Readonly<Record<"serve" | "work", readonly string[]>> = {
  serve: [MANIFEST_FILE, "state.key", "lookup.key", "audit.key"],
  work: [MANIFEST_FILE, "intake.key", "lookup.key", "outbound.key", "audit.key"],
};

/**
 * Makes a fresh set of service keys (intake, state, lookup, outbound) in `dir` (created 0700; files 0600).
 * Refuses with KEYS_EXIST if any key file or the manifest is already there: keys are never overwritten.
 * Returns the key id of each. Secrets are wiped from memory once written.
 */
export async function generateKeys(
  dir: string,
  now: () => Date = () => new Date(),
): Promise<Record<ServiceKeyName, string>> {
  await cryptoReady();
  const existing = [MANIFEST_FILE, ...SERVICE_KEY_NAMES.map(secretFileName)].filter((f) =>
    existsSync(join(dir, f)),
  );
  if (existing.length > 0) throw new AppError("KEYS_EXIST", { detail: existing.join(", ") });
  ensureKeyDir(dir);
  const created = now().toISOString();
  const keys: Partial<Record<KeyName, ManifestEntry>> = {};
  const ids = {} as Record<ServiceKeyName, string>;
  for (const name of SERVICE_KEY_NAMES) {
    const keyId = newKeyId();
    const secret = newSecret(name);
    try {
      writeSecretFile(dir, name, new Map([[keyId, secret.secretKey]]), true);
    } finally {
      wipe(secret.secretKey);
    }
    keys[name] = { current: keyId, versions: { [keyId]: version(created, secret.publicKey) } };
    ids[name] = keyId;
  }
  writeManifest(dir, { format: 1, keys }, true);
  return ids;
}

/**
 * Makes one service key that an existing directory lacks (e.g. `audit`, added after the directory was made),
 * in its own file, and lists it in the manifest. Refuses with KEYS_EXIST if the file or the manifest entry is
 * already there: use `rotateKey` for a new version of a key that exists.
 */
export async function addServiceKey(
  dir: string,
  name: ServiceKeyName,
  now: () => Date = () => new Date(),
): Promise<string> {
  await cryptoReady();
  if (!SERVICE_KEY_NAMES.includes(name)) throw new AppError("BAD_REQUEST", { detail: "unknown key name" });
  const manifest = readManifest(dir);
  if (manifest.keys[name] || existsSync(join(dir, secretFileName(name)))) {
    throw new AppError("KEYS_EXIST", { detail: secretFileName(name) });
  }
  const keyId = newKeyId();
  const secret = newSecret(name);
  try {
    writeSecretFile(dir, name, new Map([[keyId, secret.secretKey]]), true);
  } finally {
    wipe(secret.secretKey);
  }
  const entry: ManifestEntry = {
    current: keyId,
    versions: { [keyId]: version(now().toISOString(), secret.publicKey) },
  };
  writeManifest(dir, { format: 1, keys: { ...manifest.keys, [name]: entry } });
  return keyId;
}

/**
 * Adds a new version of a service key and makes it current; older versions stay in the file and the manifest
 * so existing records still open. Every process holding the key must be restarted to write with the new id.
 */
export async function rotateKey(
  dir: string,
  name: ServiceKeyName,
  now: () => Date = () => new Date(),
): Promise<string> {
  await cryptoReady();
  if (!SERVICE_KEY_NAMES.includes(name)) throw new AppError("BAD_REQUEST", { detail: "unknown key name" });
  const manifest = readManifest(dir);
  const entry = manifest.keys[name];
  if (!entry) throw new AppError("KEY_MISSING", { detail: `${MANIFEST_FILE}: ${name}` });
  const existing = readSecretFile(dir, name);
  let keyId = newKeyId();
  while (existing.has(keyId) || keyId in entry.versions) keyId = newKeyId();
  const secret = newSecret(name);
  existing.set(keyId, secret.secretKey);
  try {
    writeSecretFile(dir, name, existing, false);
  } finally {
    wipe(...existing.values());
  }
  const next: ManifestEntry = {
    current: keyId,
    versions: { ...entry.versions, [keyId]: version(now().toISOString(), secret.publicKey) },
  };
  writeManifest(dir, { format: 1, keys: { ...manifest.keys, [name]: next } });
  return keyId;
}

/**
 * Publishes a team public key in the manifest (made when the first admin is added; its secret never touches
 * disk unwrapped) and makes it current for new data keys.
 */
export function setTeamPublicKey(
  dir: string,
  keyId: string,
  publicKey: Uint8Array,
  now: () => Date = () => new Date(),
): void {
  if (!isKeyId(keyId) || publicKey.length !== 32)
    throw new AppError("KEY_INVALID", { detail: "team public key" });
  const manifest = readManifest(dir);
  const versions = { ...(manifest.keys.team?.versions ?? {}) };
  versions[keyId] = { created: now().toISOString(), publicKey: toBase64url(publicKey) };
  writeManifest(dir, { format: 1, keys: { ...manifest.keys, team: { current: keyId, versions } } });
}

/** One published key version, as `intake keys show-public` prints it. */
export interface PublicKeyInfo {
  readonly name: KeyName;
  readonly keyId: string;
  readonly current: boolean;
  readonly created: string;
  /** base64url X25519 public key; undefined for symmetric keys, which have none. */
  readonly publicKey: string | undefined;
}

/** Lists every key version in the manifest (ids and public keys; never a secret). */
export function listPublicKeys(dir: string): PublicKeyInfo[] {
  const manifest: Manifest = readManifest(dir);
  const out: PublicKeyInfo[] = [];
  for (const name of Object.keys(keyKinds) as KeyName[]) {
    const entry = manifest.keys[name];
    if (!entry) continue;
    for (const [keyId, v] of Object.entries(entry.versions)) {
      out.push({ name, keyId, current: keyId === entry.current, created: v.created, publicKey: v.publicKey });
    }
  }
  return out;
}

function newSecret(name: ServiceKeyName): { secretKey: Uint8Array; publicKey?: Uint8Array } {
  return keyKinds[name] === "box" ? generateBoxKeyPair() : { secretKey: generateSecretKey() };
}

function version(
  created: string,
  publicKey: Uint8Array | undefined,
): { created: string; publicKey?: string } {
  return publicKey ? { created, publicKey: toBase64url(publicKey) } : { created };
}
