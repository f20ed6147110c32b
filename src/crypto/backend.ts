import { AppError } from "../errors/app-error.js";

/**
 * The libsodium operations `src/crypto` is built from. Two implementations of the same library:
 * `backend-native.ts` (sodium-native, the C library, for every server role) and `backend-wasm.ts`
 * (libsodium-wrappers-sumo, for the staff console in the browser). The bundler swaps the first for the second
 * (package.json "browser"), so the native module never reaches a browser. Everything here is libsodium's own
 * primitive; nothing is assembled from parts.
 */
export interface CryptoBackend {
  readonly name: "sodium-native" | "libsodium.js";
  /** `randombytes_buf`: libsodium's CSPRNG (the OS generator), no pooling in JavaScript. */
  randomBytes(n: number): Uint8Array;
  /** A copy of `bytes` in `sodium_malloc` memory (guard pages, mlock, no core dump) where available. */
  secureCopy(bytes: Uint8Array): Uint8Array;
  memzero(bytes: Uint8Array): void;
  /** `sodium_memcmp`: constant-time equality of two arrays of the same length. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** `sodium_pad` (ISO/IEC 7816-4) to a multiple of `block`, into a new array. */
  pad(message: Uint8Array, block: number): Uint8Array;
  /** `sodium_unpad`: a view of the message inside `padded`; throws on invalid padding. */
  unpad(padded: Uint8Array, block: number): Uint8Array;
  toBase64url(bytes: Uint8Array): string;
  /** Throws on anything that is not base64url without padding (the caller checks canonical form). */
  fromBase64url(text: string): Uint8Array;
  utf8(text: string): Uint8Array;
  fromUtf8(bytes: Uint8Array): string;
  toHex(bytes: Uint8Array): string;
  /** XChaCha20-Poly1305 IETF: ciphertext || tag. */
  aeadEncrypt(message: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** Throws on any authentication failure. */
  aeadDecrypt(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** BLAKE2b (`crypto_generichash`), keyed when `key` is given. */
  generichash(outputLength: number, message: Uint8Array, key: Uint8Array | null): Uint8Array;
  boxKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array };
  scalarmultBase(secretKey: Uint8Array): Uint8Array;
  /** `crypto_box_seal`: ephemeral pk || XSalsa20-Poly1305 box. */
  boxSeal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** `crypto_box_seal_open`; throws when the box does not open. */
  boxSealOpen(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** `crypto_pwhash` with Argon2id 1.3. */
  argon2id(
    outputLength: number,
    passphrase: Uint8Array,
    salt: Uint8Array,
    ops: number,
    mem: number,
  ): Uint8Array;
}

/** libsodium's sizes, the same in both builds (part of the wire format). */
export const AEAD_NPUBBYTES = 24;
export const AEAD_ABYTES = 16;
export const AEAD_KEYBYTES = 32;
export const BOX_SEALBYTES = 48;
export const BOX_PUBLICKEYBYTES = 32;
export const GENERICHASH_KEYBYTES = 32;

let current: CryptoBackend | undefined;

/** Installs the backend `cryptoReady()` loaded. */
export function setBackend(backend: CryptoBackend): void {
  current = backend;
}

/** The loaded backend; throws instead of failing obscurely when `cryptoReady()` was skipped. */
export function backend(): CryptoBackend {
  if (!current) throw new AppError("INTERNAL", { detail: "await cryptoReady() before using src/crypto" });
  return current;
}
