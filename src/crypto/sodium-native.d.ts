/** The part of sodium-native's API that `backend-native.ts` uses (the package ships no types). */
declare module "sodium-native" {
  type Bytes = Uint8Array;
  interface SodiumNative {
    readonly crypto_box_PUBLICKEYBYTES: number;
    readonly crypto_box_SECRETKEYBYTES: number;
    readonly crypto_scalarmult_BYTES: number;
    readonly crypto_pwhash_ALG_ARGON2ID13: number;
    randombytes_buf(out: Bytes): void;
    sodium_malloc(size: number): Buffer & { secure: true };
    sodium_memzero(buf: Bytes): void;
    sodium_memcmp(a: Bytes, b: Bytes): boolean;
    sodium_pad(buf: Bytes, unpaddedLength: number, blockSize: number): number;
    sodium_unpad(buf: Bytes, paddedLength: number, blockSize: number): number;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
      c: Bytes,
      m: Bytes,
      ad: Bytes | null,
      nsec: null,
      npub: Bytes,
      k: Bytes,
    ): number;
    crypto_aead_xchacha20poly1305_ietf_decrypt(
      m: Bytes,
      nsec: null,
      c: Bytes,
      ad: Bytes | null,
      npub: Bytes,
      k: Bytes,
    ): number;
    crypto_generichash(out: Bytes, input: Bytes, key?: Bytes): void;
    crypto_box_keypair(pk: Bytes, sk: Bytes): void;
    crypto_scalarmult_base(q: Bytes, n: Bytes): void;
    crypto_box_seal(c: Bytes, m: Bytes, pk: Bytes): void;
    crypto_box_seal_open(m: Bytes, c: Bytes, pk: Bytes, sk: Bytes): boolean;
    crypto_pwhash(out: Bytes, passwd: Bytes, salt: Bytes, ops: number, mem: number, alg: number): void;
  }
  const sodium: SodiumNative;
  export default sodium;
}
