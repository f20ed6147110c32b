import sodium from "libsodium-wrappers-sumo";
import type { CryptoBackend } from "./backend.js";

/**
 * libsodium compiled to WebAssembly (libsodium-wrappers-sumo): the backend of the staff console in the
 * browser, where no native module can run. Server roles use `backend-native.ts`; both are the same library
 * and produce the same bytes (test/src/crypto/backends.test.ts).
 */
export async function loadBackend(): Promise<CryptoBackend> {
  await sodium.ready;
  const s = sodium;
  return {
    name: "libsodium.js",
    randomBytes: (n) => s.randombytes_buf(n),
    // No sodium_malloc in a browser: the copy is ordinary memory, wiped by `wipe` like every key.
    secureCopy: (bytes) => bytes.slice(),
    memzero: (bytes) => s.memzero(bytes),
    equal: (a, b) => a.length === b.length && s.memcmp(a, b),
    pad: (message, block) => s.pad(message, block),
    unpad: (padded, block) => s.unpad(padded, block),
    toBase64url: (bytes) => s.to_base64(bytes, s.base64_variants.URLSAFE_NO_PADDING),
    fromBase64url: (text) => s.from_base64(text, s.base64_variants.URLSAFE_NO_PADDING),
    utf8: (text) => s.from_string(text),
    fromUtf8: (bytes) => s.to_string(bytes),
    toHex: (bytes) => s.to_hex(bytes),
    aeadEncrypt: (message, ad, nonce, key) =>
      s.crypto_aead_xchacha20poly1305_ietf_encrypt(message, ad, null, nonce, key),
    aeadDecrypt: (ciphertext, ad, nonce, key) =>
      s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key),
    generichash: (length, message, key) => s.crypto_generichash(length, message, key),
    boxKeyPair: () => {
      const { publicKey, privateKey } = s.crypto_box_keypair();
      return { publicKey, secretKey: privateKey };
    },
    scalarmultBase: (secretKey) => s.crypto_scalarmult_base(secretKey),
    boxSeal: (message, publicKey) => s.crypto_box_seal(message, publicKey),
    boxSealOpen: (sealed, publicKey, secretKey) => s.crypto_box_seal_open(sealed, publicKey, secretKey),
    argon2id: (length, passphrase, salt, ops, mem) =>
      s.crypto_pwhash(length, passphrase, salt, ops, mem, s.crypto_pwhash_ALG_ARGON2ID13),
  };
}
