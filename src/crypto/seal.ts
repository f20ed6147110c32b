import { AppError } from "../errors/app-error.js";
import { BOX_SEALBYTES } from "./backend.js";
import { bindingBytes, formatEnvelope, keyFor, parseEnvelope } from "./envelope.js";
import { pad, unpad } from "./padding.js";
import { lib } from "./sodium.js";
import type { BoxKeyPair, Keyring, Sealed, SealPurpose } from "./types.js";

/**
 * Seals bytes to the current public key of `keyring` with libsodium's `crypto_box_seal` (anonymous sender:
 * ephemeral X25519 key pair, nonce = BLAKE2b-192(ephemeral pk || recipient pk), XSalsa20-Poly1305). A sealed
 * box has no associated data, so the binding bytes (version, purpose, key id, context) go inside the
 * plaintext as `u16 length || binding || padded message` and are compared on open.
 */
export function sealBytes<P extends SealPurpose>(
  purpose: P,
  keyring: Keyring<Uint8Array>,
  context: string,
  message: Uint8Array,
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
  let box: Uint8Array;
  try {
    box = s.boxSeal(inner, publicKey);
  } catch (err) {
    // libsodium refuses a malformed or low-order recipient key (an all-zero shared secret).
    throw new AppError("INTERNAL", { detail: "recipient public key refused", cause: err });
  } finally {
    s.memzero(padded);
    s.memzero(inner);
  }
  return formatEnvelope(purpose, keyId, box) as Sealed<P>;
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
  if (payload.length < BOX_SEALBYTES + 2) throw new AppError("CRYPTO_AUTH", { detail: "too short" });
  let inner: Uint8Array;
  try {
    inner = s.boxSealOpen(payload, pair.publicKey, pair.secretKey);
  } catch (err) {
    throw new AppError("CRYPTO_AUTH", { cause: err });
  }
  try {
    const expected = bindingBytes(purpose, keyId, context);
    const length = ((inner[0] ?? 0) << 8) | (inner[1] ?? 0);
    const bound = inner.subarray(2, 2 + length);
    if (length !== expected.length || bound.length !== length || !s.equal(bound, expected)) {
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
): Sealed<"intake"> {
  return sealBytes("intake", keyring, intakeId, lib().utf8(plaintext));
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
): Sealed<"outbound"> {
  return sealBytes("outbound", keyring, jobId, lib().utf8(plaintext));
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
    return s.fromUtf8(bytes);
  } finally {
    s.memzero(bytes);
  }
}
