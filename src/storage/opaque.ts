import { AppError } from "../errors/app-error.js";

/**
 * An envelope made by `src/crypto` (`v1.<purpose>.<keyId>.<base64url>`), stored as-is. Branded so that a
 * plain string, let alone an object of answers, cannot be handed to storage by accident: the only way in is
 * `asCiphertext`, which checks the envelope's shape (storage never opens it and holds no key that could).
 */
export type Ciphertext = string & { readonly __opaque: "ciphertext" };

/** The sealed data key of one request (`v1.datakey.<keyId>.<base64url>`). Deleting it crypto-shreds. */
export type SealedDataKey = string & { readonly __opaque: "sealed-data-key" };

/** Shape of every envelope `src/crypto` writes; the schema checks stored values against it too. */
export const envelopePattern = /^v\d{1,3}\.[a-z]{1,16}\.[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]{16,}$/;

/** Shape of a sealed data key envelope. */
export const sealedKeyPattern = /^v\d{1,3}\.datakey\.[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]{16,}$/;

/** Accepts an envelope string as ciphertext for storage; anything else is refused without echoing it. */
export function asCiphertext(value: string): Ciphertext {
  if (!envelopePattern.test(value))
    throw new AppError("BAD_REQUEST", { detail: "content is not an envelope" });
  return value as Ciphertext;
}

/** Accepts a sealed data key envelope for storage. */
export function asSealedDataKey(value: string): SealedDataKey {
  if (!sealedKeyPattern.test(value)) throw new AppError("BAD_REQUEST", { detail: "not a sealed data key" });
  return value as SealedDataKey;
}
