import { aeadDecrypt, aeadEncrypt, aeadParse } from "./aead.js";
import { keyFor } from "./envelope.js";
import { textOf } from "./seal.js";
import { lib } from "./sodium.js";
import type { Ciphertext, Keyring } from "./types.js";

/**
 * Encrypts in-progress conversation state (JSON text) for Redis with the current 32-byte state key;
 * AD binds the conversation id, so state cannot be moved between conversations.
 */
export function encryptState(
  keyring: Keyring<Uint8Array>,
  conversationId: string,
  plaintext: string,
): Ciphertext<"state"> {
  const key = keyFor(keyring.keys, keyring.current);
  const bytes = lib().utf8(plaintext);
  try {
    return aeadEncrypt("state", keyring.current, key, conversationId, bytes) as Ciphertext<"state">;
  } finally {
    lib().memzero(bytes);
  }
}

/** Decrypts conversation state with whichever loaded state key its envelope names. */
export function decryptState(
  keyring: Keyring<Uint8Array>,
  conversationId: string,
  envelope: Ciphertext<"state"> | string,
): string {
  const { keyId, payload } = aeadParse("state", envelope);
  const key = keyFor(keyring.keys, keyId);
  return textOf(aeadDecrypt("state", keyId, key, conversationId, payload));
}
