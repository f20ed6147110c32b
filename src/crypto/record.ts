import { AppError } from "../errors/app-error.js";
import { aeadDecrypt, aeadEncrypt, aeadParse } from "./aead.js";
import { AEAD_KEYBYTES } from "./backend.js";
import { recordContext } from "./envelope.js";
import { openSealedBytes, sealBytes, textOf } from "./seal.js";
import { lib, randomBytes } from "./sodium.js";
import type { BoxKeyPair, Ciphertext, Keyring, KeyWithId, Sealed } from "./types.js";

/** Key id written in field envelopes: fields are encrypted under the record's own data key, not a named key. */
export const DATA_KEY_ID = "dk";

/** An encrypted record: the data key sealed to the team key, and each content field encrypted under it. */
export interface EncryptedRecord<F extends string> {
  readonly sealedKey: Sealed<"datakey">;
  readonly fields: { readonly [K in F]: Ciphertext<"field"> };
}

/** A fresh random 32-byte data key for one request. Wipe it (`wipe`) when done. */
export function newDataKey(): Uint8Array {
  return randomBytes(AEAD_KEYBYTES);
}

/** Seals a request's data key to the team public key, bound to the request id. Deleting it crypto-shreds. */
export function sealDataKey(
  team: KeyWithId<Uint8Array>,
  requestId: string,
  dataKey: Uint8Array,
): Sealed<"datakey"> {
  checkDataKey(dataKey);
  return sealBytes("datakey", ringOf(team), requestId, dataKey);
}

/** Opens a request's sealed data key with the team secret key (in the staff browser). */
export function openDataKey(
  team: Keyring<BoxKeyPair>,
  requestId: string,
  sealedKey: Sealed<"datakey"> | string,
): Uint8Array {
  const key = openSealedBytes("datakey", team, requestId, sealedKey);
  checkDataKey(key);
  return key;
}

/** Encrypts one field (answer, staff note) of request `requestId` with its data key; AD binds id and field. */
export function encryptField(
  dataKey: Uint8Array,
  requestId: string,
  field: string,
  plaintext: string,
): Ciphertext<"field"> {
  checkDataKey(dataKey);
  const bytes = lib().utf8(plaintext);
  try {
    return aeadEncrypt(
      "field",
      DATA_KEY_ID,
      dataKey,
      recordContext(requestId, field),
      bytes,
    ) as Ciphertext<"field">;
  } finally {
    lib().memzero(bytes);
  }
}

/** Decrypts one field; fails with CRYPTO_AUTH if it belongs to another request or field. */
export function decryptField(
  dataKey: Uint8Array,
  requestId: string,
  field: string,
  envelope: Ciphertext<"field"> | string,
): string {
  checkDataKey(dataKey);
  const { keyId, payload } = aeadParse("field", envelope);
  if (keyId !== DATA_KEY_ID) throw new AppError("CRYPTO_KEY_ID", { detail: "field key id" });
  return textOf(aeadDecrypt("field", keyId, dataKey, recordContext(requestId, field), payload));
}

/**
 * Encrypts every content field of a new request under a fresh data key and seals that key to the team.
 * The data key is wiped before returning: the server that writes a request cannot read it back.
 */
export function encryptRecord<F extends string>(
  team: KeyWithId<Uint8Array>,
  requestId: string,
  fields: Readonly<Record<F, string>>,
): EncryptedRecord<F> {
  const dataKey = newDataKey();
  try {
    const out = {} as { [K in F]: Ciphertext<"field"> };
    for (const name of Object.keys(fields) as F[]) {
      out[name] = encryptField(dataKey, requestId, name, fields[name]);
    }
    return { sealedKey: sealDataKey(team, requestId, dataKey), fields: out };
  } finally {
    lib().memzero(dataKey);
  }
}

/** Opens a request's data key and decrypts every field. Returns the data key too, for adding staff notes. */
export function decryptRecord<F extends string>(
  team: Keyring<BoxKeyPair>,
  requestId: string,
  record: EncryptedRecord<F>,
): { dataKey: Uint8Array; fields: Record<F, string> } {
  const dataKey = openDataKey(team, requestId, record.sealedKey);
  try {
    const out = {} as Record<F, string>;
    for (const name of Object.keys(record.fields) as F[]) {
      out[name] = decryptField(dataKey, requestId, name, record.fields[name]);
    }
    return { dataKey, fields: out };
  } catch (err) {
    lib().memzero(dataKey);
    throw err;
  }
}

function checkDataKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AEAD_KEYBYTES) {
    throw new AppError("CRYPTO_MALFORMED", { detail: "data key length" });
  }
}

function ringOf(k: KeyWithId<Uint8Array>): Keyring<Uint8Array> {
  return { current: k.keyId, keys: new Map([[k.keyId, k.key]]) };
}
