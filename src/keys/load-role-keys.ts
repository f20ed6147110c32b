import { accessSync, constants, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type BoxKeyPair,
  cryptoReady,
  equalBytes,
  fromBase64url,
  type Keyring,
  type KeyWithId,
  publicKeyOf,
} from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import type { Log } from "../log/index.js";
import { type AuditKeyring, auditKeyring } from "./audit-key.js";
import {
  type KeyName,
  MANIFEST_FILE,
  type Manifest,
  readManifest,
  readSecretFile,
  SERVICE_KEY_NAMES,
  type ServiceKeyName,
  secretFileName,
} from "./key-directory.js";

/** What the internet-facing ingress holds: it can seal intakes and outbound jobs but open neither. */
export interface ServeKeys {
  readonly role: "serve";
  readonly intake: Keyring<Uint8Array>;
  readonly state: Keyring<Uint8Array>;
  readonly lookup: Keyring<Uint8Array>;
  readonly outbound: Keyring<Uint8Array>;
  /** Links the audit chain (row 30): the console appends staff actions. */
  readonly audit: AuditKeyring;
}

/** What the workers hold: open intakes and outbound jobs, hash identities, seal data keys to the team. */
export interface WorkKeys {
  readonly role: "work";
  readonly intake: Keyring<BoxKeyPair>;
  readonly lookup: Keyring<Uint8Array>;
  readonly outbound: Keyring<BoxKeyPair>;
  /** Links the audit chain (row 30): maintenance appends purges. */
  readonly audit: AuditKeyring;
  /** The current team public key at start-up; undefined until the first admin exists. The screening worker
   * reads the pins afresh (team-pin.ts) rather than this snapshot. */
  readonly team: KeyWithId<Uint8Array> | undefined;
}

export type RoleKeys = ServeKeys | WorkKeys;
export type KeyRole = RoleKeys["role"];

/** The secret files each role needs; a readable secret outside this list earns a warning. */
const secretsByRole: Readonly<Record<KeyRole, readonly ServiceKeyName[]>> = {
  serve: ["state", "lookup", "audit"],
  work: ["intake", "lookup", "outbound", "audit"],
};

/**
 * Loads exactly the keys a role needs from `dir`. A missing key stops with KEY_MISSING naming the file; a
 * malformed one with KEY_INVALID; the same key material under two purposes with KEY_REUSED. A secret the
 * role must not hold that is readable here, or a key file readable by group/others, is logged as a warning
 * (event and file name only).
 */
export async function loadRoleKeys(dir: string, role: "serve", log: Log): Promise<ServeKeys>;
export async function loadRoleKeys(dir: string, role: "work", log: Log): Promise<WorkKeys>;
export async function loadRoleKeys(dir: string, role: KeyRole, log: Log): Promise<RoleKeys>;
export async function loadRoleKeys(dir: string, role: KeyRole, log: Log): Promise<RoleKeys> {
  await cryptoReady();
  const manifest = readManifest(dir);
  warnAboutFiles(dir, role, log);
  if (role === "serve") {
    const keys: ServeKeys = {
      role,
      intake: publicRing(manifest, "intake"),
      state: secretRing(dir, manifest, "state"),
      lookup: secretRing(dir, manifest, "lookup"),
      outbound: publicRing(manifest, "outbound"),
      audit: auditKeyring(dir, manifest),
    };
    refuseReuse([
      ["intake", keys.intake.keys.values()],
      ["state", keys.state.keys.values()],
      ["lookup", keys.lookup.keys.values()],
      ["outbound", keys.outbound.keys.values()],
      ["audit", keys.audit.keys.values()],
    ]);
    return keys;
  }
  const teamEntry = manifest.keys.team;
  const team = teamEntry ? publicRing(manifest, "team") : undefined;
  const keys: WorkKeys = {
    role,
    intake: boxRing(dir, manifest, "intake"),
    lookup: secretRing(dir, manifest, "lookup"),
    outbound: boxRing(dir, manifest, "outbound"),
    audit: auditKeyring(dir, manifest),
    team: team ? { keyId: team.current, key: team.keys.get(team.current) as Uint8Array } : undefined,
  };
  refuseReuse([
    ["intake", [...keys.intake.keys.values()].flatMap((p) => [p.secretKey, p.publicKey])],
    ["lookup", keys.lookup.keys.values()],
    ["audit", keys.audit.keys.values()],
    ["outbound", [...keys.outbound.keys.values()].flatMap((p) => [p.secretKey, p.publicKey])],
    ["team", team ? team.keys.values() : []],
  ]);
  return keys;
}

function warnAboutFiles(dir: string, role: KeyRole, log: Log): void {
  const needed = secretsByRole[role];
  for (const name of SERVICE_KEY_NAMES) {
    const file = secretFileName(name);
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    if (!needed.includes(name)) {
      if (readable(path)) log.warn("keys.unneeded_secret_readable", { role, file });
      continue;
    }
    if ((statSync(path).mode & 0o077) !== 0) log.warn("keys.file_permissions_too_open", { role, file });
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function entryOf(manifest: Manifest, name: KeyName) {
  const entry = manifest.keys[name];
  if (!entry) throw new AppError("KEY_MISSING", { detail: `${MANIFEST_FILE}: ${name}` });
  return entry;
}

function publicRing(manifest: Manifest, name: KeyName): Keyring<Uint8Array> {
  const entry = entryOf(manifest, name);
  const keys = new Map<string, Uint8Array>();
  for (const [keyId, v] of Object.entries(entry.versions)) {
    let key: Uint8Array;
    try {
      key = fromBase64url(v.publicKey ?? "");
    } catch (err) {
      throw new AppError("KEY_INVALID", { detail: `${MANIFEST_FILE}: ${name}`, cause: err });
    }
    if (key.length !== 32) throw new AppError("KEY_INVALID", { detail: `${MANIFEST_FILE}: ${name}` });
    keys.set(keyId, key);
  }
  return { current: entry.current, keys };
}

function secretRing(dir: string, manifest: Manifest, name: ServiceKeyName): Keyring<Uint8Array> {
  const entry = entryOf(manifest, name);
  const file = readSecretFile(dir, name);
  const keys = new Map<string, Uint8Array>();
  for (const keyId of Object.keys(entry.versions)) {
    const key = file.get(keyId);
    if (!key) throw new AppError("KEY_MISSING", { detail: `${secretFileName(name)} (key id ${keyId})` });
    keys.set(keyId, key);
  }
  return { current: entry.current, keys };
}

function boxRing(dir: string, manifest: Manifest, name: ServiceKeyName): Keyring<BoxKeyPair> {
  const secrets = secretRing(dir, manifest, name);
  const publics = publicRing(manifest, name);
  const keys = new Map<string, BoxKeyPair>();
  for (const [keyId, secretKey] of secrets.keys) {
    const publicKey = publicKeyOf(secretKey);
    const listed = publics.keys.get(keyId);
    if (!listed || !equalBytes(publicKey, listed)) {
      throw new AppError("KEY_INVALID", {
        detail: `${secretFileName(name)} does not match ${MANIFEST_FILE}`,
      });
    }
    keys.set(keyId, { publicKey, secretKey });
  }
  return { current: secrets.current, keys };
}

/** Fails with KEY_REUSED when any key of one purpose equals any key of another. */
export function refuseReuse(groups: ReadonlyArray<readonly [string, Iterable<Uint8Array>]>): void {
  const flat = groups.map(([name, keys]) => [name, [...keys]] as const);
  for (let i = 0; i < flat.length; i++) {
    for (let j = i + 1; j < flat.length; j++) {
      const [a, as] = flat[i] as (typeof flat)[number];
      const [b, bs] = flat[j] as (typeof flat)[number];
      if (as.some((x) => bs.some((y) => equalBytes(x, y)))) {
        throw new AppError("KEY_REUSED", { detail: `${a} and ${b}` });
      }
    }
  }
}
