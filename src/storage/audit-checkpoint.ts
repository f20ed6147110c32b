import { createHmac } from "node:crypto";
import { AUDIT_MAC_ALG, type AuditKeyring, sameHex } from "./audit-chain.js";

/**
 * An audit checkpoint (`intake audit checkpoint`): the chain's head hash and length at a moment, with an
 * HMAC under the audit key, written to a file that operators keep outside MongoDB and outside the hosts
 * (security row 30). A later `intake audit verify --checkpoint FILE` checks that the chain still holds that
 * exact event at that position: a rewrite of any event up to it, even by someone holding the audit key,
 * changes the hash (the links are collision-resistant), and a truncation below it leaves the position empty.
 */
export interface AuditCheckpoint {
  readonly format: 1;
  readonly kind: "intake-audit-checkpoint";
  /** Sequence number of the newest event covered. */
  readonly seq: number;
  /** That event's hash (its link). */
  readonly head: string;
  /** How many events the chain held (equal to `seq`: sequence numbers have no gaps). */
  readonly count: number;
  /** When the checkpoint was taken (ISO 8601). */
  readonly at: string;
  readonly alg: typeof AUDIT_MAC_ALG;
  readonly keyId: string;
  readonly mac: string;
}

type Unsigned = Omit<AuditCheckpoint, "mac">;

function macOf(c: Unsigned, key: Uint8Array): string {
  return createHmac("sha256", key)
    .update(
      JSON.stringify(["audit-checkpoint", c.format, c.alg, c.keyId, c.seq, c.head, c.count, c.at]),
      "utf8",
    )
    .digest("hex");
}

/** Makes a checkpoint of a verified chain (`seq` events, the last with hash `head`) under the current key. */
export function makeAuditCheckpoint(
  chain: { readonly seq: number; readonly head: string },
  key: AuditKeyring,
  at: Date,
): AuditCheckpoint {
  const secret = key.keys.get(key.current);
  if (!secret) throw new Error("audit key ring has no current key");
  const unsigned: Unsigned = {
    format: 1,
    kind: "intake-audit-checkpoint",
    seq: chain.seq,
    head: chain.head,
    count: chain.seq,
    at: at.toISOString(),
    alg: AUDIT_MAC_ALG,
    keyId: key.current,
  };
  return { ...unsigned, mac: macOf(unsigned, secret) };
}

/** Parses a checkpoint file's JSON and checks its MAC; undefined (with a reason) when it does not hold. */
export function readAuditCheckpoint(
  text: string,
  key: AuditKeyring,
): { checkpoint: AuditCheckpoint } | { problem: "malformed" | "unknown key" | "bad mac" } {
  let v: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return { problem: "malformed" };
    v = parsed as Record<string, unknown>;
  } catch {
    return { problem: "malformed" };
  }
  const wellFormed =
    v.format === 1 &&
    v.kind === "intake-audit-checkpoint" &&
    Number.isSafeInteger(v.seq) &&
    (v.seq as number) >= 0 &&
    v.count === v.seq &&
    typeof v.head === "string" &&
    /^[0-9a-f]{64}$/.test(v.head) &&
    typeof v.at === "string" &&
    v.alg === AUDIT_MAC_ALG &&
    typeof v.keyId === "string" &&
    typeof v.mac === "string";
  if (!wellFormed) return { problem: "malformed" };
  const checkpoint = v as unknown as AuditCheckpoint;
  const secret = key.keys.get(checkpoint.keyId);
  if (!secret) return { problem: "unknown key" };
  return sameHex(macOf(checkpoint, secret), checkpoint.mac) ? { checkpoint } : { problem: "bad mac" };
}
