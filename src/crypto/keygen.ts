import { lib, randomBytes } from "./sodium.js";
import type { BoxKeyPair } from "./types.js";

/** A new random key id: 8 lowercase hex characters. Ids only need to be unique per key name. */
export function newKeyId(): string {
  return lib().toHex(randomBytes(4));
}

/** A new X25519 key pair (intake, outbound, team, staff personal). */
export function generateBoxKeyPair(): BoxKeyPair {
  return lib().boxKeyPair();
}

/** A new 32-byte symmetric key (state, lookup). */
export function generateSecretKey(): Uint8Array {
  return randomBytes(32);
}

/** The X25519 public key of a secret key, to check that a key file's pair belongs together. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return lib().scalarmultBase(secretKey);
}

/**
 * Moves a long-lived secret key (loaded from a key file) into `sodium_malloc` memory on the server (guard
 * pages, locked, left out of core dumps) and wipes the source; in the browser it is an ordinary copy.
 */
export function secureKey(bytes: Uint8Array): Uint8Array {
  const s = lib();
  try {
    return s.secureCopy(bytes);
  } finally {
    s.memzero(bytes);
  }
}

/** Wipes key material with `sodium.memzero`. Call when a key is no longer needed. */
export function wipe(...keys: ReadonlyArray<Uint8Array | undefined>): void {
  for (const k of keys) if (k) lib().memzero(k);
}

/** Constant-time equality of two byte arrays of equal length (false when lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return lib().equal(a, b);
}
