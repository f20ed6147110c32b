import { AppError } from "../errors/app-error.js";
import { bindingBytes, formatEnvelope, keyFor, parseEnvelope } from "./envelope.js";
import { pad, unpad } from "./padding.js";
import { lib, randomBytes } from "./sodium.js";
import type { BoxKeyPair, Keyring, Sealed, SealPurpose } from "./types.js";

/**
 * Seals bytes to the current public key of `keyring` (`crypto_box_seal`, anonymous sender). A sealed box has no
 * associated data, so the binding bytes (version, purpose, key id, context) go inside the plaintext as
 * `u16 length || binding || padded message` and are compared on open.
 */
export function sealBytes<P extends SealPurpose>(
  purpose: P,
  keyring: Keyring<Uint8Array>,
  context: string,
  message: Uint8Array,
  agree: X25519Agreement = libsodiumAgreement,
): Sealed<P> {
  const s = lib();
  const keyId = keyring.current;
  const publicKey = keyFor(keyring.keys, keyId);
  const binding = bindingBytes(purpose, keyId, context);
  if (binding.length > 0xffff) throw new AppError("CRYPTO_MALFORMED", { detail: "context too long" });
  const padded = pad(message);
  const inner = new Uint8Array(2 + binding.length + padded.length);
  inner[0] = binding.length >> 8;
  inner[1] = binding.length & 0xff;
  inner.set(binding, 2);
  inner.set(padded, 2 + binding.length);
  try {
    return formatEnvelope(purpose, keyId, sealedBox(inner, publicKey, agree)) as Sealed<P>;
  } finally {
    s.memzero(padded);
    s.memzero(inner);
  }
}

/**
 * One ephemeral X25519 agreement with a recipient's public key: a fresh ephemeral public key and the raw
 * X25519 output with it. The default runs in libsodium (browser-safe); a server role may pass a native one
 * (two scalar multiplications are most of a seal's cost).
 */
export type X25519Agreement = (recipientPublicKey: Uint8Array) => {
  ephemeralPublicKey: Uint8Array;
  shared: Uint8Array;
};

/** The agreement in libsodium, with the ephemeral key seeded from the platform CSPRNG. */
export const libsodiumAgreement: X25519Agreement = (recipientPublicKey) => {
  const s = lib();
  const seed = randomBytes(s.crypto_box_SEEDBYTES);
  const ephemeral = s.crypto_box_seed_keypair(seed);
  try {
    // Throws on a low-order public key (an all-zero result), as crypto_box_beforenm does.
    return {
      ephemeralPublicKey: ephemeral.publicKey,
      shared: s.crypto_scalarmult(ephemeral.privateKey, recipientPublicKey),
    };
  } finally {
    s.memzero(seed);
    s.memzero(ephemeral.privateKey);
  }
};

const hsalsa20 = (input: Uint8Array, key: Uint8Array): Uint8Array =>
  (
    lib() as unknown as { crypto_core_hsalsa20(i: Uint8Array, k: Uint8Array): Uint8Array }
  ).crypto_core_hsalsa20(input, key);

/**
 * libsodium's sealed box (`crypto_box_seal`), byte for byte: an ephemeral X25519 key pair, nonce =
 * BLAKE2b-192(ephemeral pk || recipient pk), the box key = HSalsa20(X25519 output) as `crypto_box_beforenm`
 * makes it, XSalsa20-Poly1305, output ephemeral pk || box; it opens with `crypto_box_seal_open`. Built here
 * for two reasons: libsodium.js's own `crypto_box_keypair` draws randomness from JavaScript 4 bytes at a
 * time (40 % of a seal), and the agreement can be native on a server (seals are on the ingress's hot path).
 */
function sealedBox(message: Uint8Array, publicKey: Uint8Array, agree: X25519Agreement): Uint8Array {
  const s = lib();
  const { ephemeralPublicKey, shared } = agree(publicKey);
  let key: Uint8Array | undefined;
  try {
    if (shared.length !== 32 || shared.every((b) => b === 0)) {
      throw new AppError("INTERNAL", { detail: "degenerate public key" });
    }
    key = hsalsa20(new Uint8Array(16), shared);
    const noncePreimage = new Uint8Array(ephemeralPublicKey.length + publicKey.length);
    noncePreimage.set(ephemeralPublicKey);
    noncePreimage.set(publicKey, ephemeralPublicKey.length);
    const nonce = s.crypto_generichash(s.crypto_box_NONCEBYTES, noncePreimage, null);
    const box = s.crypto_box_easy_afternm(message, nonce, key);
    const out = new Uint8Array(ephemeralPublicKey.length + box.length);
    out.set(ephemeralPublicKey);
    out.set(box, ephemeralPublicKey.length);
    return out;
  } finally {
    s.memzero(shared);
    if (key) s.memzero(key);
  }
}

/** Opens a sealed envelope with the secret key its header names, checking the bound context. */
export function openSealedBytes<P extends SealPurpose>(
  purpose: P,
  keyring: Keyring<BoxKeyPair>,
  context: string,
  envelope: Sealed<P> | string,
): Uint8Array {
  const s = lib();
  const { keyId, payload } = parseEnvelope(envelope, purpose);
  const pair = keyFor(keyring.keys, keyId);
  if (payload.length < s.crypto_box_SEALBYTES + 2) throw new AppError("CRYPTO_AUTH", { detail: "too short" });
  let inner: Uint8Array;
  try {
    inner = s.crypto_box_seal_open(payload, pair.publicKey, pair.secretKey);
  } catch (err) {
    throw new AppError("CRYPTO_AUTH", { cause: err });
  }
  try {
    const expected = bindingBytes(purpose, keyId, context);
    const length = ((inner[0] ?? 0) << 8) | (inner[1] ?? 0);
    const bound = inner.subarray(2, 2 + length);
    if (length !== expected.length || bound.length !== length || !s.memcmp(bound, expected)) {
      throw new AppError("CRYPTO_AUTH", { detail: "context" });
    }
    return unpad(inner.subarray(2 + length)).slice();
  } finally {
    s.memzero(inner);
  }
}

/** Seals a completed intake (JSON text) for record `intakeId`; only the screening worker can open it. */
export function sealIntake(
  keyring: Keyring<Uint8Array>,
  intakeId: string,
  plaintext: string,
  agree?: X25519Agreement,
): Sealed<"intake"> {
  return sealBytes("intake", keyring, intakeId, lib().from_string(plaintext), agree);
}

/** Opens a sealed intake; fails with CRYPTO_AUTH if it was sealed for another intake id. */
export function openIntake(
  keyring: Keyring<BoxKeyPair>,
  intakeId: string,
  envelope: Sealed<"intake"> | string,
): string {
  return textOf(openSealedBytes("intake", keyring, intakeId, envelope));
}

/** Seals an outbound job (recipient address + text, as JSON) for job `jobId`; only the sender worker opens it. */
export function sealOutbound(
  keyring: Keyring<Uint8Array>,
  jobId: string,
  plaintext: string,
  agree?: X25519Agreement,
): Sealed<"outbound"> {
  return sealBytes("outbound", keyring, jobId, lib().from_string(plaintext), agree);
}

/** Opens a sealed outbound job. */
export function openOutbound(
  keyring: Keyring<BoxKeyPair>,
  jobId: string,
  envelope: Sealed<"outbound"> | string,
): string {
  return textOf(openSealedBytes("outbound", keyring, jobId, envelope));
}

/** Decodes UTF-8 and wipes the bytes (the string itself cannot be wiped in JavaScript). */
export function textOf(bytes: Uint8Array): string {
  const s = lib();
  try {
    return s.to_string(bytes);
  } finally {
    s.memzero(bytes);
  }
}
