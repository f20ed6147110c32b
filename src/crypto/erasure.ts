import { AppError } from "../errors/app-error.js";
import { GENERICHASH_KEYBYTES } from "./backend.js";
import { toBase64url } from "./envelope.js";
import { decryptField, encryptField, newDataKey } from "./record.js";
import { lib } from "./sodium.js";
import type { Ciphertext, Sealed } from "./types.js";

/**
 * Crypto-shredding that survives old copies of the requests database (security row 26).
 *
 * A request's team-sealed data key is stored only wrapped under a per-request erasure key, and the erasure key
 * lives in a separate key store (src/storage/erasure-keys.ts) with its own short retention. Opening a request
 * needs both the team secret key and the erasure key: deleting the erasure key (erase, retention purge) makes
 * every older copy of the request (database files, WAL, oplog, backups) unreadable, even to staff.
 */

/** The field name the wrap's AD binds (with the request id); no content field is called this. */
export const ERASURE_WRAP_FIELD = "erasure-wrap";

/** A fresh random 32-byte erasure key for one request. */
export function newErasureKey(): Uint8Array {
  return newDataKey();
}

/** Wraps a request's team-sealed data key under its erasure key (XChaCha20-Poly1305, AD = request id + field). */
export function wrapSealedKey(
  erasureKey: Uint8Array,
  requestId: string,
  sealedKey: Sealed<"datakey"> | string,
): Ciphertext<"field"> {
  return encryptField(erasureKey, requestId, ERASURE_WRAP_FIELD, sealedKey);
}

/** Unwraps the team-sealed data key; fails with CRYPTO_AUTH under any other erasure key or request id. */
export function unwrapSealedKey(
  erasureKey: Uint8Array,
  requestId: string,
  wrapped: Ciphertext<"field"> | string,
): Sealed<"datakey"> {
  return decryptField(erasureKey, requestId, ERASURE_WRAP_FIELD, wrapped) as Sealed<"datakey">;
}

/**
 * The link a closed request keeps to its sender, so that a defender's delete still finds it (row 25) while no
 * sender hash stays in the requests database (row 28): keyed BLAKE2b-256 of the sender's lookup hash under
 * the request's own erasure key. Finding a sender's closed requests costs one hash per closed request; it
 * disappears with the erasure key.
 */
export function erasureTag(erasureKey: Uint8Array, senderHash: string): string {
  const s = lib();
  if (!(erasureKey instanceof Uint8Array) || erasureKey.length !== GENERICHASH_KEYBYTES) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "erasure key length" });
  }
  const message = s.utf8(`hrd-intake.erasure-tag.v1\u0000${senderHash}`);
  try {
    return toBase64url(s.generichash(32, message, erasureKey));
  } finally {
    s.memzero(message);
  }
}

/**
 * The team-sealed data key of a stored request: unwrapped with its erasure key (new requests) or as stored
 * (legacy requests). Null once shredded: the erasure key or the key itself is gone.
 */
export function teamSealedKeyOf(
  requestId: string,
  stored: {
    readonly sealedKey: string | null;
    readonly wrappedKey: string | null;
    readonly erasureKey: Uint8Array | null;
  },
): Sealed<"datakey"> | null {
  if (stored.wrappedKey !== null) {
    return stored.erasureKey ? unwrapSealedKey(stored.erasureKey, requestId, stored.wrappedKey) : null;
  }
  return stored.sealedKey as Sealed<"datakey"> | null;
}
