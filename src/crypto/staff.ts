import { AppError } from "../errors/app-error.js";
import { aeadDecrypt, aeadEncrypt, aeadParse } from "./aead.js";
import { publicKeyOf } from "./keygen.js";
import { openSealedBytes, sealBytes } from "./seal.js";
import { lib, randomBytes } from "./sodium.js";
import type { BoxKeyPair, Ciphertext, KeyWithId, Sealed } from "./types.js";

/** Argon2id cost: `opsLimit` passes over `memLimit` bytes (libsodium `crypto_pwhash`, sumo build only). */
export interface Argon2Params {
  readonly opsLimit: number;
  readonly memLimit: number;
}

/**
 * Staff passphrase cost: libsodium's MODERATE (3 passes, 256 MiB), about 1.3 s in Node 20 on the dev machines
 * (see docs/crypto.md and `npm run bench`). It runs once per sign-in, in the browser, and guards the wrapped
 * personal key that a database thief could attack offline, so we buy the slower setting.
 */
export const STAFF_ARGON2ID: Argon2Params = Object.freeze({ opsLimit: 3, memLimit: 268_435_456 });

/** libsodium's INTERACTIVE (2 passes, 64 MiB, about 0.4 s): the floor if MODERATE proves too heavy for a device. */
export const INTERACTIVE_ARGON2ID: Argon2Params = Object.freeze({ opsLimit: 2, memLimit: 67_108_864 });

/** The cheapest legal Argon2id cost, for tests only: never use it for a real passphrase. */
export const TEST_ARGON2ID: Argon2Params = Object.freeze({ opsLimit: 1, memLimit: 8192 });

/** Salt length for `deriveStaffKeys` (crypto_pwhash_SALTBYTES). */
export const STAFF_SALT_BYTES = 16;

/** Key id written in wrapped-personal-key envelopes (the key is the passphrase-derived unwrapping key). */
export const UNWRAP_KEY_ID = "uk";

/** The two halves of a passphrase-derived secret. */
export interface StaffDerivedKeys {
  /** Sent to the server at sign-in; the server stores only a slow hash of it. Cannot unwrap anything. */
  readonly authKey: Uint8Array;
  /** Never leaves the browser: unwraps the personal secret key. */
  readonly unwrapKey: Uint8Array;
}

/** A new random salt, stored with the staff account (public). */
export function newStaffSalt(): Uint8Array {
  return randomBytes(STAFF_SALT_BYTES);
}

/**
 * passphrase + salt → Argon2id → 64 bytes → (authKey = first 32, unwrapKey = last 32). The 64-byte output is
 * wiped; the caller wipes both halves when done. Blocks the thread: never call on the server's hot path.
 */
export function deriveStaffKeys(
  passphrase: string,
  salt: Uint8Array,
  params: Argon2Params = STAFF_ARGON2ID,
): StaffDerivedKeys {
  const s = lib();
  if (salt.length !== STAFF_SALT_BYTES) throw new AppError("CRYPTO_MALFORMED", { detail: "salt length" });
  if (passphrase.length === 0) throw new AppError("BAD_REQUEST", { detail: "empty passphrase" });
  const phrase = s.utf8(passphrase.normalize("NFKC"));
  let out: Uint8Array;
  try {
    out = s.argon2id(64, phrase, salt, params.opsLimit, params.memLimit);
  } finally {
    s.memzero(phrase);
  }
  try {
    return { authKey: out.slice(0, 32), unwrapKey: out.slice(32, 64) };
  } finally {
    s.memzero(out);
  }
}

/** Wraps a staff member's personal X25519 secret key with their unwrapping key; AD binds the staff id. */
export function wrapPersonalKey(
  unwrapKey: Uint8Array,
  staffId: string,
  secretKey: Uint8Array,
): Ciphertext<"personal"> {
  checkLength(unwrapKey, "unwrap key");
  checkLength(secretKey, "secret key");
  return aeadEncrypt("personal", UNWRAP_KEY_ID, unwrapKey, staffId, secretKey) as Ciphertext<"personal">;
}

/** Unwraps the personal key pair; a wrong passphrase (or the auth key used instead) fails with CRYPTO_AUTH. */
export function unwrapPersonalKey(
  unwrapKey: Uint8Array,
  staffId: string,
  wrapped: Ciphertext<"personal"> | string,
): BoxKeyPair {
  checkLength(unwrapKey, "unwrap key");
  const { keyId, payload } = aeadParse("personal", wrapped);
  if (keyId !== UNWRAP_KEY_ID) throw new AppError("CRYPTO_KEY_ID", { detail: "personal key id" });
  const secretKey = aeadDecrypt("personal", keyId, unwrapKey, staffId, payload);
  checkLength(secretKey, "secret key");
  return { publicKey: publicKeyOf(secretKey), secretKey };
}

/**
 * Seals the team secret key (with its id) to one staff member's personal public key, bound to their staff
 * id: done when a member is added, by an admin whose browser holds the team key.
 */
export function sealTeamKey(
  staff: KeyWithId<Uint8Array>,
  staffId: string,
  team: KeyWithId<Uint8Array>,
): Sealed<"teamkey"> {
  const s = lib();
  checkLength(team.key, "team secret key");
  const id = s.utf8(team.keyId);
  const message = new Uint8Array(1 + id.length + team.key.length);
  message[0] = id.length;
  message.set(id, 1);
  message.set(team.key, 1 + id.length);
  try {
    return sealBytes(
      "teamkey",
      { current: staff.keyId, keys: new Map([[staff.keyId, staff.key]]) },
      staffId,
      message,
    );
  } finally {
    s.memzero(message);
  }
}

/** Opens the team key pair sealed to this staff member. */
export function openTeamKey(
  staff: KeyWithId<BoxKeyPair>,
  staffId: string,
  sealed: Sealed<"teamkey"> | string,
): KeyWithId<BoxKeyPair> {
  const s = lib();
  const message = openSealedBytes(
    "teamkey",
    { current: staff.keyId, keys: new Map([[staff.keyId, staff.key]]) },
    staffId,
    sealed,
  );
  try {
    const idLength = message[0] ?? 0;
    if (message.length !== 1 + idLength + 32) throw new AppError("CRYPTO_MALFORMED", { detail: "team key" });
    const keyId = s.fromUtf8(message.subarray(1, 1 + idLength));
    const secretKey = message.slice(1 + idLength);
    return { keyId, key: { publicKey: publicKeyOf(secretKey), secretKey } };
  } finally {
    s.memzero(message);
  }
}

function checkLength(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new AppError("CRYPTO_MALFORMED", { detail: what });
}
