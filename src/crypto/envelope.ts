import { AppError } from "../errors/app-error.js";
import { lib } from "./sodium.js";
import type { Purpose } from "./types.js";

/**
 * Text form of every envelope: `v1.<purpose>.<keyId>.<base64url payload>`.
 * The header is authenticated (it is part of the AD, or of the bound context inside a sealed box), so
 * changing any part of it fails; an unknown version fails before any key is touched.
 */
export const ENVELOPE_VERSION = "v1";

const keyIdPattern = /^[a-z0-9][a-z0-9-]{0,31}$/;
const purposePattern = /^[a-z]{1,16}$/;
const base64urlPattern = /^[A-Za-z0-9_-]+$/;

/** True when `keyId` is a valid key id (lowercase letters, digits and '-', at most 32 chars). */
export function isKeyId(keyId: string): boolean {
  return keyIdPattern.test(keyId);
}

/** base64url without padding, the encoding of every payload, hash and key in text. */
export function toBase64url(bytes: Uint8Array): string {
  return lib().toBase64url(bytes);
}

/** Strict base64url decoding: rejects padding, other alphabets and non-canonical trailing bits. */
export function fromBase64url(text: string): Uint8Array {
  const s = lib();
  if (!base64urlPattern.test(text)) throw new AppError("CRYPTO_MALFORMED", { detail: "payload encoding" });
  let bytes: Uint8Array;
  try {
    bytes = s.fromBase64url(text);
  } catch (err) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "payload encoding", cause: err });
  }
  if (toBase64url(bytes) !== text) throw new AppError("CRYPTO_MALFORMED", { detail: "payload encoding" });
  return bytes;
}

export interface ParsedEnvelope {
  readonly purpose: Purpose;
  readonly keyId: string;
  readonly payload: Uint8Array;
}

/** Serialises an envelope. */
export function formatEnvelope(purpose: Purpose, keyId: string, payload: Uint8Array): string {
  if (!isKeyId(keyId)) throw new AppError("CRYPTO_KEY_ID", { detail: "invalid key id" });
  return `${ENVELOPE_VERSION}.${purpose}.${keyId}.${toBase64url(payload)}`;
}

/** Parses and checks the header: version first (fail closed), then the purpose the caller expects. */
export function parseEnvelope(text: unknown, expected: Purpose): ParsedEnvelope {
  if (typeof text !== "string") throw new AppError("CRYPTO_MALFORMED", { detail: "not a string" });
  const parts = text.split(".");
  const [version, purpose, keyId, payload] = parts;
  if (version === undefined) throw new AppError("CRYPTO_MALFORMED");
  if (version !== ENVELOPE_VERSION) {
    throw new AppError(/^v\d+$/.test(version) ? "CRYPTO_VERSION" : "CRYPTO_MALFORMED", { detail: "version" });
  }
  if (parts.length !== 4 || purpose === undefined || keyId === undefined || payload === undefined) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "parts" });
  }
  if (!purposePattern.test(purpose) || purpose !== expected) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "purpose" });
  }
  if (!isKeyId(keyId)) throw new AppError("CRYPTO_MALFORMED", { detail: "key id" });
  return { purpose: expected, keyId, payload: fromBase64url(payload) };
}

/**
 * The bytes that bind a ciphertext to where it belongs: format version, purpose, key id and the caller's
 * context (conversation id, record id + field). Used as AEAD associated data, and inside sealed boxes.
 */
export function bindingBytes(purpose: Purpose, keyId: string, context: string): Uint8Array {
  if (context.length === 0) throw new AppError("CRYPTO_MALFORMED", { detail: "empty context" });
  return lib().utf8(`hrd-intake.${ENVELOPE_VERSION}.${purpose}.${keyId}\u0000${context}`);
}

/** The context of one field of one record: unambiguous for any ids and field names. */
export function recordContext(recordId: string, field: string): string {
  return JSON.stringify([recordId, field]);
}

/** Finds a key by the id an envelope names, or fails with CRYPTO_KEY_ID. */
export function keyFor<K>(keys: ReadonlyMap<string, K>, keyId: string): K {
  const key = keys.get(keyId);
  if (key === undefined) throw new AppError("CRYPTO_KEY_ID", { detail: "key id not loaded" });
  return key;
}
