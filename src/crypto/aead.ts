import { AppError } from "../errors/app-error.js";
import { AEAD_ABYTES, AEAD_NPUBBYTES } from "./backend.js";
import { bindingBytes, formatEnvelope, parseEnvelope } from "./envelope.js";
import { pad, unpad } from "./padding.js";
import { lib, randomBytes } from "./sodium.js";
import type { CipherPurpose } from "./types.js";

/**
 * XChaCha20-Poly1305 IETF with a random 24-byte nonce; payload = nonce || ciphertext+tag; AD = binding bytes
 * (version, purpose, key id, context). The padded plaintext copy is wiped after use.
 */
export function aeadEncrypt(
  purpose: CipherPurpose,
  keyId: string,
  key: Uint8Array,
  context: string,
  message: Uint8Array,
): string {
  const s = lib();
  const nonce = randomBytes(AEAD_NPUBBYTES);
  const padded = pad(message);
  try {
    const ct = s.aeadEncrypt(padded, bindingBytes(purpose, keyId, context), nonce, key);
    const payload = new Uint8Array(nonce.length + ct.length);
    payload.set(nonce, 0);
    payload.set(ct, nonce.length);
    return formatEnvelope(purpose, keyId, payload);
  } finally {
    s.memzero(padded);
  }
}

/** Parses the header of an AEAD envelope, returning the key id it names (to pick the key) and payload. */
export function aeadParse(purpose: CipherPurpose, envelope: unknown) {
  return parseEnvelope(envelope, purpose);
}

/** Decrypts an AEAD payload parsed by `aeadParse`. Fails with CRYPTO_AUTH on any tampering or wrong key. */
export function aeadDecrypt(
  purpose: CipherPurpose,
  keyId: string,
  key: Uint8Array,
  context: string,
  payload: Uint8Array,
): Uint8Array {
  const s = lib();
  const npub = AEAD_NPUBBYTES;
  if (payload.length < npub + AEAD_ABYTES) {
    throw new AppError("CRYPTO_AUTH", { detail: "too short" });
  }
  let padded: Uint8Array;
  try {
    padded = s.aeadDecrypt(
      payload.subarray(npub),
      bindingBytes(purpose, keyId, context),
      payload.subarray(0, npub),
      key,
    );
  } catch (err) {
    throw new AppError("CRYPTO_AUTH", { cause: err });
  }
  try {
    return unpad(padded).slice();
  } finally {
    s.memzero(padded);
  }
}
