/**
 * Key directory (Node only): generation, rotation and per-role loading of the service keys.
 * Format and who holds what: docs/crypto.md.
 */
export { type AuditKeyring, auditKeyring, loadAuditKey } from "./audit-key.js";
export {
  addServiceKey,
  filesByRole,
  generateKeys,
  listPublicKeys,
  type PublicKeyInfo,
  rotateKey,
  setTeamPublicKey,
} from "./generate-keys.js";
export {
  type KeyName,
  keyKinds,
  MANIFEST_FILE,
  type Manifest,
  type ManifestEntry,
  readManifest,
  SERVICE_KEY_NAMES,
  type ServiceKeyName,
  secretFileName,
} from "./key-directory.js";
export {
  type KeyRole,
  loadRoleKeys,
  type RoleKeys,
  type ServeKeys,
  type WorkKeys,
} from "./load-role-keys.js";
export {
  advanceLookupEpoch,
  type EpochAdvance,
  epochOf,
  epochOfKeyId,
  keepLookupEpochCurrent,
  type LookupEpochKeeper,
} from "./lookup-epoch.js";
export {
  currentPin,
  isPinned,
  keyFingerprint,
  normaliseFingerprint,
  readTeamPins,
  type TeamPins,
} from "./team-pin.js";
