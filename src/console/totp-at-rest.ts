import { decryptState, encryptState } from "../crypto/index.js";

/** The console's at-rest key (src/keys/console-key.ts), as the console receives it. */
export interface TotpKey {
  readonly keyId: string;
  readonly key: Uint8Array;
}

const ad = (staffId: string) => `totp-secret:${staffId}`;
const keyring = (k: TotpKey) => ({ current: k.keyId, keys: new Map([[k.keyId, k.key]]) });

/**
 * Encrypts a TOTP secret for the staff document (XChaCha20-Poly1305 through the crypto facade's symmetric
 * envelope; AD binds the staff id, so a secret cannot be moved to another account). The key lives in the serve
 * role's key directory, never in MongoDB.
 */
export function sealTotpSecret(key: TotpKey, staffId: string, secret: string): string {
  return encryptState(keyring(key), ad(staffId), secret);
}

/** True when a stored value is an envelope rather than a clear secret from before encryption at rest. */
export function isSealedTotpSecret(stored: string): boolean {
  return stored.startsWith("v1.");
}

/** Opens a stored TOTP secret; a clear (legacy) value is returned as it is, for migration at next sign-in. */
export function openTotpSecret(key: TotpKey, staffId: string, stored: string): string {
  return isSealedTotpSecret(stored) ? decryptState(keyring(key), ad(staffId), stored) : stored;
}
