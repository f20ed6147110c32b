import { createHash } from "node:crypto";
import { equalBytes, fromBase64url, type Keyring, type KeyWithId } from "../crypto/index.js";
import { AppError } from "../errors/app-error.js";
import { MANIFEST_FILE, readManifest } from "./key-directory.js";

/**
 * Team key pinning (security row 27). The screening worker seals data keys only to a team public key pinned
 * in its own host's key directory (`manifest.json`, entry `team`), never to a key that merely appears in the
 * database. Pins are written by `intake staff add --admin` (the bootstrap) and `intake keys pin-team`
 * (rotation, or pinning on a host other than the one the admin was created on), both through
 * `setTeamPublicKey`. Every pinned version stays listed; `current` is the one new requests are sealed to.
 */
export type TeamPins = Keyring<Uint8Array>;

/**
 * Reads the team pins from `dir` afresh (a `pin-team` run takes effect without a restart). Undefined when no
 * team key is pinned yet; KEY_MISSING / KEY_INVALID when the manifest itself is missing or malformed.
 */
export function readTeamPins(dir: string): TeamPins | undefined {
  const entry = readManifest(dir).keys.team;
  if (!entry) return undefined;
  const keys = new Map<string, Uint8Array>();
  for (const [keyId, v] of Object.entries(entry.versions)) {
    let key: Uint8Array;
    try {
      key = fromBase64url(v.publicKey ?? "");
    } catch (err) {
      throw new AppError("KEY_INVALID", { detail: `${MANIFEST_FILE}: team`, cause: err });
    }
    if (key.length !== 32) throw new AppError("KEY_INVALID", { detail: `${MANIFEST_FILE}: team` });
    keys.set(keyId, key);
  }
  return { current: entry.current, keys };
}

/** The current pinned team key, or undefined when none is pinned. */
export function currentPin(pins: TeamPins | undefined): KeyWithId<Uint8Array> | undefined {
  const key = pins?.keys.get(pins.current);
  return pins && key ? { keyId: pins.current, key } : undefined;
}

/** True when `keyId` is pinned with exactly this public key (an id alone proves nothing). */
export function isPinned(pins: TeamPins | undefined, keyId: string, publicKey: Uint8Array): boolean {
  const pinned = pins?.keys.get(keyId);
  return pinned !== undefined && equalBytes(pinned, publicKey);
}

/**
 * A public key's fingerprint for people to compare over a second channel: the first 20 bytes of its SHA-256,
 * hex in groups of four (`ab12 cd34 ...`). `intake keys pin-team` and `intake staff add` print it.
 */
export function keyFingerprint(publicKey: Uint8Array): string {
  const hex = createHash("sha256").update(publicKey).digest("hex").slice(0, 40);
  return hex.match(/.{4}/g)?.join(" ") ?? hex;
}

/** Normalises a fingerprint typed by a person (spaces, colons, case) for comparison. */
export function normaliseFingerprint(text: string): string {
  return text.toLowerCase().replace(/[^0-9a-f]/g, "");
}
