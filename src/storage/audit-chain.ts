import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * The audit chain's link functions (security row 30). Each event's `hash` is an HMAC-SHA256, under an audit
 * key that is not in MongoDB (`audit.key` in the serve and work key directories), of its fields and the
 * previous event's hash. Whoever can write to the database but lacks the key cannot delete or edit an event
 * and recompute the chain: every later link would need the key. Events written before the key existed keep
 * their plain SHA-256 links ("legacy", no `alg`); they are accepted only as the start of the chain, only if
 * dated before the first audit key was made, and they are sealed by the first keyed event that links to them.
 */

/** The keyed link algorithm stored in each new event's `alg`. */
export const AUDIT_MAC_ALG = "hmac-sha256";
/** `sha256`: a legacy, unkeyed link (stored without `alg`). */
export type AuditAlg = "sha256" | typeof AUDIT_MAC_ALG;

/** The audit key ring: every version by key id (32-byte secrets), the one new events use, and the cutoff. */
export interface AuditKeyring {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /**
   * When the first audit key was made (from the key manifest, outside MongoDB). Unkeyed events dated at or
   * after it cannot be genuine: they are what a rewrite without the key produces.
   */
  readonly legacyBefore: Date;
}

/** The fields a link covers. */
export interface AuditLinkFields {
  readonly seq: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly requestId: string | null;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  readonly prevHash: string;
}

function canonicalFields(event: AuditLinkFields): unknown[] {
  const details = Object.keys(event.details)
    .sort()
    .map((k) => [k, event.details[k] ?? null]);
  return [
    event.seq,
    event.at.toISOString(),
    event.actor,
    event.action,
    event.requestId,
    details,
    event.prevHash,
  ];
}

/**
 * The legacy (unkeyed) link: SHA-256 of a JSON array of the fields in a fixed order, details as key-sorted
 * pairs, and the previous hash. Kept to verify events written before the audit key existed.
 */
export function legacyAuditHash(event: AuditLinkFields): string {
  return createHash("sha256")
    .update(JSON.stringify(canonicalFields(event)), "utf8")
    .digest("hex");
}

/** The keyed link: HMAC-SHA256 under the audit key `keyId` of the algorithm, the key id and the fields. */
export function keyedAuditHash(event: AuditLinkFields, keyId: string, key: Uint8Array): string {
  return createHmac("sha256", key)
    .update(JSON.stringify([AUDIT_MAC_ALG, keyId, ...canonicalFields(event)]), "utf8")
    .digest("hex");
}

/** The MAC of the chain's head record (`audit_head`): a head moved back by hand no longer verifies. */
export function auditHeadMac(seq: number, hash: string, keyId: string, key: Uint8Array): string {
  return createHmac("sha256", key)
    .update(JSON.stringify(["audit-head", AUDIT_MAC_ALG, keyId, seq, hash]), "utf8")
    .digest("hex");
}

/** Constant-time comparison of two hex strings. */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
