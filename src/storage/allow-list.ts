/**
 * Every field path that may appear in clear in each collection (array elements and sub-documents use the
 * dotted path of their parent, e.g. `notes.content`). The ciphertext fields are listed too: they are
 * envelopes, not clear text, but they are the only places content may be. A test reads stored documents with
 * the raw driver and fails on any path not listed here. Adding a field means adding it here, on purpose.
 */
export const clearFieldAllowList = {
  requests: [
    "_id",
    "intakeId",
    "reference",
    "status",
    "urgency",
    "urgencyRank",
    "reasons",
    "routes",
    "channel",
    "lang",
    "createdDay",
    "updatedDay",
    "statusDay",
    "assignee",
    "retentionUntil",
    "senderHash",
    "lookupKeyId",
    "teamKeyId",
    "duplicateOf",
    "relatedRequestIds",
    "version",
    "content",
    "sealedKey",
    "wrappedKey",
    "notes",
    "notes.content",
    "notes.day",
    "notes.authorId",
  ],
  request_claims: ["_id", "requestId", "version", "leaseUntil"],
  request_senders: ["_id", "requestIds", "version"],
  audit: [
    "_id",
    "seq",
    "at",
    "actor",
    "action",
    "requestId",
    "details",
    // details hold ids and codes only; their keys are checked when appended (see audit.ts)
    "details.*",
    "prevHash",
    "hash",
    "alg",
    "keyId",
  ],
  audit_head: ["_id", "seq", "hash", "keyId", "mac"],
  partners: ["_id", "name", "routes", "active"],
  referrals: ["_id", "requestId", "partnerId", "route", "day", "staffId"],
} as const satisfies Record<string, readonly string[]>;

/** The key store's own database (erasure-keys.ts, KEYSTORE_DB): keys and sender tags, no content. */
export const keyStoreFieldAllowList = {
  erasure_keys: ["_id", "key", "tag"],
} as const satisfies Record<string, readonly string[]>;

/** Fields that hold envelopes (ciphertext or a sealed key), never clear text. */
export const ciphertextFields = {
  requests: ["content", "sealedKey", "wrappedKey", "notes.content"],
} as const;

export type StoredCollection = keyof typeof clearFieldAllowList;

/** True when `path` (dotted, array indexes removed) is allowed in clear in `collection`. */
export function isAllowedField(collection: StoredCollection, path: string): boolean {
  const list: readonly string[] = clearFieldAllowList[collection];
  if (list.includes(path)) return true;
  const parent = path.slice(0, path.lastIndexOf("."));
  return parent.length > 0 && list.includes(`${parent}.*`);
}
