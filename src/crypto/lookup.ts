import { AppError } from "../errors/app-error.js";
import { GENERICHASH_KEYBYTES } from "./backend.js";
import { keyFor, toBase64url } from "./envelope.js";
import { lib } from "./sodium.js";
import type { Keyring, LookupHash } from "./types.js";

/** The kinds of channel identity we hash; each is its own domain, so equal strings of two kinds differ. */
export type IdentityKind = "phone" | "telegram";

const e164 = /^\+[1-9]\d{6,14}$/;
const decimalId = /^[1-9]\d{0,19}$/;

/**
 * Normalises an identity before hashing, so one person gets one hash: phone numbers must be E.164
 * (`+4915799912345`; spaces, dashes, dots and parentheses are removed first); Telegram ids are decimal
 * integers. Anything else fails with BAD_REQUEST (the message never contains the value).
 */
export function normaliseIdentity(kind: IdentityKind, identity: string | number | bigint): string {
  if (kind === "phone") {
    const v = String(identity).replace(/[\s\-.()]/g, "");
    if (!e164.test(v)) throw new AppError("BAD_REQUEST", { detail: "phone identity must be E.164" });
    return v;
  }
  const v = String(identity).trim();
  if (!decimalId.test(v))
    throw new AppError("BAD_REQUEST", { detail: "telegram identity must be a decimal id" });
  return v;
}

/** Keyed BLAKE2b-256 of a normalised, domain-separated identity under one lookup key; base64url. */
export function lookupHashWith(
  key: Uint8Array,
  kind: IdentityKind,
  identity: string | number | bigint,
): LookupHash {
  const s = lib();
  if (key.length !== GENERICHASH_KEYBYTES) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "lookup key length" });
  }
  const message = s.utf8(`hrd-intake.lookup.v1.${kind}\u0000${normaliseIdentity(kind, identity)}`);
  try {
    return toBase64url(s.generichash(32, message, key)) as LookupHash;
  } finally {
    s.memzero(message);
  }
}

/** The lookup hash under the current lookup key: what new records and Redis keys use. */
export function lookupHash(
  keyring: Keyring<Uint8Array>,
  kind: IdentityKind,
  identity: string | number | bigint,
): LookupHash {
  return lookupHashWith(keyFor(keyring.keys, keyring.current), kind, identity);
}

/**
 * One hash per loaded lookup key, current first, so records written before a rotation can still be found
 * (look up by any, then rewrite under the current one).
 */
export function lookupHashes(
  keyring: Keyring<Uint8Array>,
  kind: IdentityKind,
  identity: string | number | bigint,
): ReadonlyArray<{ readonly keyId: string; readonly hash: LookupHash }> {
  const ids = [keyring.current, ...[...keyring.keys.keys()].filter((id) => id !== keyring.current)];
  return ids.map((keyId) => ({ keyId, hash: lookupHashWith(keyFor(keyring.keys, keyId), kind, identity) }));
}
