/**
 * The crypto core: envelopes, sealing, state and record encryption, lookup hashes, staff key wrapping.
 * Runs unchanged in Node and in the browser: libsodium through a backend (backend.ts), sodium-native on the
 * server and libsodium-wrappers-sumo in the browser (the bundler swaps them, package.json "browser").
 * Await `cryptoReady()` once before calling anything else. Format and key map: docs/crypto.md.
 */
export {
  ENVELOPE_VERSION,
  fromBase64url,
  isKeyId,
  recordContext,
  toBase64url,
} from "./envelope.js";
export {
  ERASURE_WRAP_FIELD,
  erasureTag,
  newErasureKey,
  teamSealedKeyOf,
  unwrapSealedKey,
  wrapSealedKey,
} from "./erasure.js";
export {
  equalBytes,
  generateBoxKeyPair,
  generateSecretKey,
  newKeyId,
  publicKeyOf,
  secureKey,
  wipe,
} from "./keygen.js";
export {
  type IdentityKind,
  lookupHash,
  lookupHashes,
  lookupHashWith,
  normaliseIdentity,
} from "./lookup.js";
export { PAD_BLOCK } from "./padding.js";
export {
  DATA_KEY_ID,
  decryptField,
  decryptRecord,
  type EncryptedRecord,
  encryptField,
  encryptRecord,
  newDataKey,
  openDataKey,
  sealDataKey,
} from "./record.js";
export {
  openIntake,
  openOutbound,
  openSealedBytes,
  sealBytes,
  sealIntake,
  sealOutbound,
} from "./seal.js";
export { cryptoReady } from "./sodium.js";
export {
  type Argon2Params,
  deriveStaffKeys,
  INTERACTIVE_ARGON2ID,
  newStaffSalt,
  openTeamKey,
  STAFF_ARGON2ID,
  STAFF_SALT_BYTES,
  type StaffDerivedKeys,
  sealTeamKey,
  TEST_ARGON2ID,
  UNWRAP_KEY_ID,
  unwrapPersonalKey,
  wrapPersonalKey,
} from "./staff.js";
export { decryptState, encryptState } from "./state.js";
export type {
  BoxKeyPair,
  CipherPurpose,
  Ciphertext,
  Keyring,
  KeyWithId,
  LookupHash,
  Purpose,
  Sealed,
  SealPurpose,
} from "./types.js";
