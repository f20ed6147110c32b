import type { Connection } from "mongoose";
import { AppError } from "../errors/app-error.js";
import {
  AUDIT_MAC_ALG,
  type AuditAlg,
  type AuditKeyring,
  auditHeadMac,
  keyedAuditHash,
  legacyAuditHash,
  sameHex,
} from "./audit-chain.js";
import { type AuditDoc, type AuditHeadDoc, auditHeadModel, auditModel } from "./audit-model.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { idPattern } from "./request-model.js";
import { guarded } from "./storage-error.js";

/** What can be audited. Staff actions on requests, staff sign-in, staff administration, maintenance. */
export const auditActions = [
  "view",
  "decrypt",
  "assign",
  "status",
  "note",
  "reply",
  /** A staff reply the sender worker refused (not to the request's own sender, or not a reply). */
  "reply_refused",
  "referral",
  "export",
  "delete",
  "login",
  "login_failed",
  "logout",
  "staff_add",
  "staff_disable",
  "staff_enable",
  "key_rotate",
  /** One batch of stored requests' data keys re-sealed to the current team key after a rotation (counts only). */
  "key_rewrap",
  "purge",
] as const;
export type AuditAction = (typeof auditActions)[number];

/** A detail value: an id, a code, a number or a flag. Never text someone typed. */
export type AuditDetailValue = string | number | boolean | null;
export type AuditDetails = Readonly<Record<string, AuditDetailValue>>;

/** One event to append. `actor` is a staff id or "system". */
export interface AuditInput {
  readonly actor: string;
  readonly action: AuditAction;
  readonly requestId?: string | null;
  readonly details?: AuditDetails;
}

/** A stored event with its place in the chain. */
export interface AuditEvent {
  readonly seq: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: AuditAction;
  readonly requestId: string | null;
  readonly details: AuditDetails;
  readonly prevHash: string;
  readonly hash: string;
  /** `hmac-sha256` (keyed, row 30) for every new event; `sha256` for legacy events written before the key. */
  readonly alg: AuditAlg;
  /** The audit key that made `hash`; null for legacy events. */
  readonly keyId: string | null;
}

/** Result of checking the whole chain. `brokenAt` is the first sequence number that fails. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly brokenAt?: number;
  /** Hash of the last event checked; record it elsewhere to detect a rewrite of the whole chain later. */
  readonly lastHash?: string;
  /** Why it failed: a bad event or link, the head record (moved, forged or missing), or a truncation. */
  readonly reason?: "link" | "head" | "truncated";
  /** How many legacy (unkeyed) events start the chain, when there are any. */
  readonly legacy?: number;
}

export interface AuditLogDeps {
  readonly connection: Connection;
  /** The audit key ring (src/keys/audit-key.ts, `audit.key`): never stored in MongoDB. */
  readonly key: AuditKeyring;
  readonly clock?: () => Date;
}

/** The append-only, hash-chained audit log. */
export interface AuditLog {
  /** Appends one event; safe with any number of concurrent writers (no transactions needed). */
  append(input: AuditInput): Promise<AuditEvent>;
  /** Recomputes every hash and link from the first event and checks the chain reaches its recorded head. */
  verifyAuditChain(): Promise<AuditVerification>;
  /** Events about one request, oldest first. */
  listForRequest(requestId: string, limit?: number): Promise<readonly AuditEvent[]>;
  /** The stored hash of event `seq` (to compare with an exported checkpoint), or undefined. */
  hashAt(seq: number): Promise<string | undefined>;
}

/** `prevHash` of the first event. */
export const genesisHash = "0".repeat(64);

const detailKeyPattern = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;
const detailStringPattern = /^[A-Za-z0-9_.:@-]{0,128}$/;
const maxDetails = 16;
const maxAppendAttempts = 200;
const headId = "head";

/**
 * The legacy SHA-256 link of an event (see audit-chain.ts): what every event written before the audit key
 * carries. New events are linked with `keyedAuditHash` instead.
 */
export function hashAuditEvent(event: Omit<AuditEvent, "hash" | "alg" | "keyId">): string {
  return legacyAuditHash(event);
}

/** Creates the audit log over `connection`, linking new events with the audit key. */
export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const Audit = auditModel(deps.connection);
  const Head = auditHeadModel(deps.connection);
  const clock = deps.clock ?? (() => new Date());
  const key = deps.key;

  function currentKey(): { keyId: string; secret: Uint8Array } {
    const secret = key.keys.get(key.current);
    if (!secret) throw new AppError("KEY_MISSING", { detail: "audit.key (current key id)" });
    return { keyId: key.current, secret };
  }

  /** True when the event's link is genuine: keyed under a loaded key, or a legacy link before the cutoff. */
  function linkHolds(event: AuditEvent, keyedSeen: boolean): boolean {
    if (event.alg === "sha256") {
      return (
        !keyedSeen &&
        event.at.getTime() < key.legacyBefore.getTime() &&
        sameHex(legacyAuditHash(event), event.hash)
      );
    }
    const secret = event.keyId === null ? undefined : key.keys.get(event.keyId);
    return secret !== undefined && sameHex(keyedAuditHash(event, event.keyId as string, secret), event.hash);
  }

  /** True when the head record carries a valid MAC under a loaded audit key. */
  function headHolds(head: AuditHeadDoc | null): boolean {
    if (!head || typeof head.keyId !== "string" || typeof head.mac !== "string") return false;
    const secret = key.keys.get(head.keyId);
    return secret !== undefined && sameHex(auditHeadMac(head.seq, head.hash, head.keyId, secret), head.mac);
  }

  return {
    append: (input) =>
      guarded(async () => {
        checkInput(input);
        const { keyId, secret } = currentKey();
        const details = { ...(input.details ?? {}) };
        for (let attempt = 0; attempt < maxAppendAttempts; attempt++) {
          // Read the tail, chain to it, insert under the next seq. The unique seq (and _id) means only one
          // writer can take each position; the others get E11000, re-read the new tail and try again.
          const tail = await Audit.findOne({}, { seq: 1, hash: 1 })
            .sort({ seq: -1 })
            .lean<Pick<AuditDoc, "seq" | "hash">>();
          const unhashed = {
            seq: (tail?.seq ?? 0) + 1,
            // Minute precision (requirement 31): enough to account for staff, and it does not record the
            // exact moment a defender's action (a delete) reached us.
            at: toMinute(clock()),
            actor: input.actor,
            action: input.action,
            requestId: input.requestId ?? null,
            details,
            prevHash: tail?.hash ?? genesisHash,
          };
          const event: AuditEvent = {
            ...unhashed,
            hash: keyedAuditHash(unhashed, keyId, secret),
            alg: AUDIT_MAC_ALG,
            keyId,
          };
          try {
            await Audit.create({ _id: event.seq, ...event });
          } catch (err) {
            if (!isDuplicateKeyError(err)) throw err;
            await sleep(Math.floor(Math.random() * Math.min(50, 2 + attempt * 3)));
            continue;
          }
          await advanceHead(event.seq, event.hash, keyId, secret);
          return event;
        }
        throw new AppError("CONFLICT", { detail: "audit log busy" });
      }),

    verifyAuditChain: () =>
      guarded(async () => {
        const head = await Head.findById(headId).lean<AuditHeadDoc>();
        let expected = 1;
        let prevHash = genesisHash;
        let checked = 0;
        let legacy = 0;
        let keyedSeen = false;
        const counts = () => (legacy > 0 ? { legacy } : {});
        const cursor = Audit.find({}).sort({ seq: 1 }).lean<AuditDoc[]>().cursor({ batchSize: 500 });
        for await (const raw of cursor) {
          const doc = raw as unknown as AuditDoc;
          const event = toEvent(doc);
          const valid =
            event !== null &&
            doc._id === event.seq &&
            event.seq === expected &&
            event.prevHash === prevHash &&
            linkHolds(event, keyedSeen) &&
            !(head && head.seq === event.seq && head.hash !== event.hash);
          if (!valid) {
            await cursor.close();
            return {
              ok: false,
              checked,
              brokenAt: expected,
              lastHash: prevHash,
              reason: "link",
              ...counts(),
            };
          }
          if (event.alg === "sha256") legacy += 1;
          else keyedSeen = true;
          checked += 1;
          expected += 1;
          prevHash = event.hash;
        }
        // Deleting the newest events leaves no gap; the head records how far the chain had reached.
        if (head && head.seq >= expected)
          return {
            ok: false,
            checked,
            brokenAt: expected,
            lastHash: prevHash,
            reason: "truncated",
            ...counts(),
          };
        // Once keyed events exist, the head must carry the key's MAC: one moved back (or removed) by hand to
        // hide a truncation does not.
        if (keyedSeen && !headHolds(head))
          return {
            ok: false,
            checked,
            brokenAt: head?.seq ?? expected,
            lastHash: prevHash,
            reason: "head",
            ...counts(),
          };
        return checked === 0 ? { ok: true, checked } : { ok: true, checked, lastHash: prevHash, ...counts() };
      }),

    listForRequest: (requestId, limit = 200) =>
      guarded(async () => {
        const docs = await Audit.find({ requestId })
          .sort({ seq: 1 })
          .limit(Math.max(1, Math.min(limit, 1000)))
          .lean<AuditDoc[]>();
        return docs.map(toEvent).filter((e): e is AuditEvent => e !== null);
      }),

    hashAt: (seq) =>
      guarded(async () => {
        const doc = await Audit.findById(seq, { hash: 1 }).lean<Pick<AuditDoc, "hash">>();
        return typeof doc?.hash === "string" ? doc.hash : undefined;
      }),
  };

  /** Moves the head forward (never back on MongoDB; on FerretDB a race may leave it a little behind, which is safe). */
  async function advanceHead(seq: number, hash: string, keyId: string, secret: Uint8Array): Promise<void> {
    const mac = auditHeadMac(seq, hash, keyId, secret);
    try {
      await Head.updateOne(
        { _id: headId, seq: { $lt: seq } },
        { $set: { seq, hash, keyId, mac } },
        { upsert: true },
      );
    } catch (err) {
      // The head is already past `seq` (the upsert's insert met the existing head): nothing to do.
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}

function checkInput(input: AuditInput): void {
  if (input.actor !== "system" && !idPattern.test(input.actor)) {
    throw new AppError("BAD_REQUEST", { detail: "audit actor must be a staff id or system" });
  }
  if (!(auditActions as readonly string[]).includes(input.action)) {
    throw new AppError("BAD_REQUEST", { detail: "unknown audit action" });
  }
  if (input.requestId != null && !idPattern.test(input.requestId)) {
    throw new AppError("BAD_REQUEST", { detail: "audit requestId must be an id" });
  }
  const entries = Object.entries(input.details ?? {});
  if (entries.length > maxDetails) throw new AppError("BAD_REQUEST", { detail: "too many audit details" });
  for (const [key, value] of entries) {
    const ok =
      detailKeyPattern.test(key) &&
      (value === null ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value)) ||
        (typeof value === "string" && detailStringPattern.test(value)));
    // Names the key (ours), never the value (which might be someone's text).
    if (!ok)
      throw new AppError("BAD_REQUEST", {
        detail: `audit detail ${detailKeyPattern.test(key) ? key : "(key)"} must be an id or code`,
      });
  }
}

function toEvent(doc: AuditDoc): AuditEvent | null {
  const details = doc.details as unknown;
  if (
    typeof doc.seq !== "number" ||
    !(doc.at instanceof Date) ||
    typeof doc.actor !== "string" ||
    typeof doc.action !== "string" ||
    !(auditActions as readonly string[]).includes(doc.action) ||
    typeof doc.prevHash !== "string" ||
    typeof doc.hash !== "string" ||
    !(doc.alg == null || (doc.alg === AUDIT_MAC_ALG && typeof doc.keyId === "string")) ||
    typeof details !== "object" ||
    details === null ||
    Array.isArray(details)
  ) {
    return null;
  }
  return {
    seq: doc.seq,
    at: doc.at,
    actor: doc.actor,
    action: doc.action as AuditAction,
    requestId: typeof doc.requestId === "string" ? doc.requestId : null,
    details: details as AuditDetails,
    prevHash: doc.prevHash,
    hash: doc.hash,
    alg: doc.alg == null ? "sha256" : AUDIT_MAC_ALG,
    keyId: doc.alg == null ? null : (doc.keyId ?? null),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A time at rest, truncated to the minute. */
function toMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}
