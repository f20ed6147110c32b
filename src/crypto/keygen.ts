import { lib, randomBytes } from "./sodium.js";
import type { BoxKeyPair } from "./types.js";

/** A new random key id: 8 lowercase hex characters. Ids only need to be unique per key name. */
export function newKeyId(): string {
  return lib().to_hex(randomBytes(4));
}

/** A new X25519 key pair (intake, outbound, team, staff personal). */
export function generateBoxKeyPair(): BoxKeyPair {
  const { publicKey, privateKey } = lib().crypto_box_keypair();
  return { publicKey, secretKey: privateKey };
}

/** A new 32-byte symmetric key (state, lookup). */
export function generateSecretKey(): Uint8Array {
  return randomBytes(32);
}

/** The X25519 public key of a secret key, to check that a key file's pair belongs together. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return lib().crypto_scalarmult_base(secretKey);
}

/** Wipes key material with `sodium.memzero`. Call when a key is no longer needed. */
export function wipe(...keys: ReadonlyArray<Uint8Array | undefined>): void {
  for (const k of keys) if (k) lib().memzero(k);
}

/** Constant-time equality of two byte arrays of equal length (false when lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && lib().memcmp(a, b);
}
