import { describe, expect, it } from "vitest";
import type { CryptoBackend } from "../../../src/crypto/backend.js";
import { isSecureMemory, loadBackend as loadNative } from "../../../src/crypto/backend-native.js";
import { loadBackend as loadWasm } from "../../../src/crypto/backend-wasm.js";
import { makeTestKeys } from "../../support/keys.js";

/** The server (sodium-native) and the staff browser (libsodium.js) must read each other's bytes. */
const keys = await makeTestKeys();
const native = await loadNative();
const wasm = await loadWasm();
const text = "Мария 👩🏽‍⚖️ مرحبا\u200c x".repeat(20);

describe.each([
  ["native → wasm", native, wasm],
  ["wasm → native", wasm, native],
] as const)("%s", (_name, a: CryptoBackend, b: CryptoBackend) => {
  it("sealed boxes open", () => {
    const pair = b.boxKeyPair();
    const sealed = a.boxSeal(a.utf8(text), pair.publicKey);
    expect(b.fromUtf8(b.boxSealOpen(sealed, pair.publicKey, pair.secretKey))).toBe(text);
    sealed[60] = (sealed[60] ?? 0) ^ 1;
    expect(() => b.boxSealOpen(sealed, pair.publicKey, pair.secretKey)).toThrow();
  });

  it("AEAD decrypts and rejects tampering", () => {
    const key = a.randomBytes(32);
    const nonce = a.randomBytes(24);
    const ad = a.utf8("ad");
    const ct = a.aeadEncrypt(a.utf8(text), ad, nonce, key);
    expect(b.fromUtf8(b.aeadDecrypt(ct, ad, nonce, key))).toBe(text);
    expect(() => b.aeadDecrypt(ct, b.utf8("other"), nonce, key)).toThrow();
  });

  it("padding, hashes, key derivation and encodings agree", () => {
    for (const n of [0, 1, 255, 256, 257, 1000]) {
      const m = a.randomBytes(n);
      const padded = a.pad(m, 256);
      expect(padded.length % 256).toBe(0);
      expect(b.pad(m, 256)).toEqual(padded);
      expect(b.unpad(padded, 256)).toEqual(m);
    }
    expect(() => b.unpad(new Uint8Array(256), 256)).toThrow();
    const key = a.randomBytes(32);
    const m = a.utf8(text);
    expect(b.generichash(32, m, key)).toEqual(a.generichash(32, m, key));
    expect(b.generichash(24, m, null)).toEqual(a.generichash(24, m, null));
    const salt = a.randomBytes(16);
    expect(b.argon2id(64, m, salt, 1, 8192)).toEqual(a.argon2id(64, m, salt, 1, 8192));
    const sk = a.randomBytes(32);
    expect(b.scalarmultBase(sk)).toEqual(a.scalarmultBase(sk));
    expect(b.fromBase64url(a.toBase64url(m))).toEqual(m);
    expect(b.toHex(m)).toBe(a.toHex(m));
    expect(b.equal(m, m.slice())).toBe(true);
    expect(b.equal(m, m.subarray(1))).toBe(false);
  });
});

describe("secure memory", () => {
  it("the native backend copies secret keys into sodium_malloc memory", () => {
    const key = native.randomBytes(32);
    const secure = native.secureCopy(key);
    expect(secure).toEqual(key);
    expect(isSecureMemory(secure)).toBe(true);
    expect(isSecureMemory(key)).toBe(false);
  });

  it("every secret key a role loads from its key files is in sodium_malloc memory", () => {
    const secrets = [
      ...[keys.serve.state, keys.serve.lookup, keys.work.lookup].flatMap((r) => [...r.keys.values()]),
      ...[keys.work.intake, keys.work.outbound].flatMap((r) => [...r.keys.values()].map((p) => p.secretKey)),
    ];
    // state, intake, outbound, and two lookup keys (this epoch's and the previous) in each role.
    expect(secrets.length).toBe(7);
    for (const key of secrets) expect(isSecureMemory(key)).toBe(true);
    // Public keys are not secret and stay in ordinary memory.
    expect(isSecureMemory([...keys.serve.intake.keys.values()][0] as Uint8Array)).toBe(false);
  });
});
