import sodium from "sodium-native";
import { AEAD_ABYTES, BOX_SEALBYTES, type CryptoBackend } from "./backend.js";

/**
 * libsodium itself, through sodium-native's prebuilt binding: the backend of every server role. The
 * browser bundle replaces this module with `backend-wasm.ts` (package.json "browser"), so the native module
 * is never bundled. Outputs are plain `Uint8Array`s allocated here; long-lived secret keys are copied into
 * `sodium_malloc` memory by `secureCopy`.
 */
const secureArrays = new WeakSet<ArrayBufferLike>();

/** True when `bytes` lives in memory from `sodium_malloc` (for tests of key loading). */
export function isSecureMemory(bytes: Uint8Array): boolean {
  return secureArrays.has(bytes.buffer);
}

export async function loadBackend(): Promise<CryptoBackend> {
  const s = sodium;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return {
    name: "sodium-native",
    randomBytes: (n) => {
      const out = new Uint8Array(n);
      s.randombytes_buf(out);
      return out;
    },
    secureCopy: (bytes) => {
      const secure = s.sodium_malloc(bytes.length);
      secure.set(bytes);
      secureArrays.add(secure.buffer);
      return new Uint8Array(secure.buffer, secure.byteOffset, secure.byteLength);
    },
    memzero: (bytes) => s.sodium_memzero(bytes),
    equal: (a, b) => a.length === b.length && s.sodium_memcmp(a, b),
    pad: (message, block) => {
      const out = new Uint8Array(message.length + block - (message.length % block));
      out.set(message);
      return out.subarray(0, s.sodium_pad(out, message.length, block));
    },
    unpad: (padded, block) => {
      if (padded.length < block) throw new Error("invalid padding");
      // The binding returns a length even when sodium_unpad fails: check the marker and the zeros after it.
      const length = s.sodium_unpad(padded, padded.length, block);
      let ok = length >= padded.length - block && padded[length] === 0x80;
      for (let i = length + 1; i < padded.length; i++) ok = ok && padded[i] === 0;
      if (!ok) throw new Error("invalid padding");
      return padded.subarray(0, length);
    },
    toBase64url: (bytes) => view(bytes).toString("base64url"),
    fromBase64url: (text) => {
      // Decoded straight into a fresh array: no copy left behind in Node's shared Buffer pool.
      const out = new Uint8Array(Buffer.byteLength(text, "base64url"));
      return out.subarray(0, view(out).write(text, "base64url"));
    },
    utf8: (text) => encoder.encode(text),
    fromUtf8: (bytes) => decoder.decode(bytes),
    toHex: (bytes) => view(bytes).toString("hex"),
    aeadEncrypt: (message, ad, nonce, key) => {
      const out = new Uint8Array(message.length + AEAD_ABYTES);
      s.crypto_aead_xchacha20poly1305_ietf_encrypt(out, message, ad, null, nonce, key);
      return out;
    },
    aeadDecrypt: (ciphertext, ad, nonce, key) => {
      if (ciphertext.length < AEAD_ABYTES) throw new Error("ciphertext too short");
      const out = new Uint8Array(ciphertext.length - AEAD_ABYTES);
      s.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, ciphertext, ad, nonce, key);
      return out;
    },
    generichash: (length, message, key) => {
      const out = new Uint8Array(length);
      if (key) s.crypto_generichash(out, message, key);
      else s.crypto_generichash(out, message);
      return out;
    },
    boxKeyPair: () => {
      const publicKey = new Uint8Array(s.crypto_box_PUBLICKEYBYTES);
      const secretKey = new Uint8Array(s.crypto_box_SECRETKEYBYTES);
      s.crypto_box_keypair(publicKey, secretKey);
      return { publicKey, secretKey };
    },
    scalarmultBase: (secretKey) => {
      const out = new Uint8Array(s.crypto_scalarmult_BYTES);
      s.crypto_scalarmult_base(out, secretKey);
      return out;
    },
    boxSeal: (message, publicKey) => {
      const out = new Uint8Array(message.length + BOX_SEALBYTES);
      s.crypto_box_seal(out, message, publicKey);
      return out;
    },
    boxSealOpen: (sealed, publicKey, secretKey) => {
      if (sealed.length < BOX_SEALBYTES) throw new Error("sealed box too short");
      const out = new Uint8Array(sealed.length - BOX_SEALBYTES);
      if (!s.crypto_box_seal_open(out, sealed, publicKey, secretKey))
        throw new Error("sealed box did not open");
      return out;
    },
    argon2id: (length, passphrase, salt, ops, mem) => {
      const out = new Uint8Array(length);
      s.crypto_pwhash(out, passphrase, salt, ops, mem, s.crypto_pwhash_ALG_ARGON2ID13);
      return out;
    },
  };
}
