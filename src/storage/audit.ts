import { createHash } from "node:crypto";
import type { Connection } from "mongoose";
import { AppError } from "../errors/app-error.js";
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
}

/** Result of checking the whole chain. `brokenAt` is the first sequence number that fails. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly brokenAt?: number;
  /** Hash of the last event checked; record it elsewhere to detect a rewrite of the whole chain later. */
  readonly lastHash?: string;
}

export interface AuditLogDeps {
  readonly connection: Connection;
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
}

/** `prevHash` of the first event. */
export const genesisHash = "0".repeat(64);

const detailKeyPattern = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;
const detailStringPattern = /^[A-Za-z0-9_.:@-]{0,128}$/;
const maxDetails = 16;
const maxAppendAttempts = 200;
const headId = "head";

/**
 * The SHA-256 of an event: a JSON array of the fields in a fixed order, details as key-sorted pairs, and the
 * previous event's hash, so changing any field of any event, or its position, changes every later link.
 */
export function hashAuditEvent(event: Omit<AuditEvent, "hash">): string {
  const details = Object.keys(event.details)
    .sort()
    .map((k) => [k, event.details[k] ?? null]);
  const canonical = JSON.stringify([
    event.seq,
    event.at.toISOString(),
    event.actor,
    event.action,
    event.requestId,
    details,
    event.prevHash,
  ]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/** Creates the audit log over `connection`. */
export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const Audit = auditModel(deps.connection);
  const Head = auditHeadModel(deps.connection);
  const clock = deps.clock ?? (() => new Date());

  return {
    append: (input) =>
      guarded(async () => {
        checkInput(input);
        const details = { ...(input.details ?? {}) };
        for (let attempt = 0; attempt < maxAppendAttempts; attempt++) {
          // Read the tail, chain to it, insert under the next seq. The unique seq (and _id) means only one
          // writer can take each position; the others get E11000, re-read the new tail and try again.
          const tail = await Audit.findOne({}, { seq: 1, hash: 1 })
            .sort({ seq: -1 })
            .lean<Pick<AuditDoc, "seq" | "hash">>();
          const unhashed = {
            seq: (tail?.seq ?? 0) + 1,
            at: clock(),
            actor: input.actor,
            action: input.action,
            requestId: input.requestId ?? null,
            details,
            prevHash: tail?.hash ?? genesisHash,
          };
          const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
          try {
            await Audit.create({ _id: event.seq, ...event });
          } catch (err) {
            if (!isDuplicateKeyError(err)) throw err;
            await sleep(Math.floor(Math.random() * Math.min(50, 2 + attempt * 3)));
            continue;
          }
          await advanceHead(event.seq, event.hash);
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
        const cursor = Audit.find({}).sort({ seq: 1 }).lean<AuditDoc[]>().cursor({ batchSize: 500 });
        for await (const raw of cursor) {
          const doc = raw as unknown as AuditDoc;
          const event = toEvent(doc);
          const valid =
            event !== null &&
            doc._id === event.seq &&
            event.seq === expected &&
            event.prevHash === prevHash &&
            hashAuditEvent(event) === event.hash &&
            !(head && head.seq === event.seq && head.hash !== event.hash);
          if (!valid) {
            await cursor.close();
            return { ok: false, checked, brokenAt: expected, lastHash: prevHash };
          }
          checked += 1;
          expected += 1;
          prevHash = event.hash;
        }
        // Deleting the newest events leaves no gap; the head records how far the chain had reached.
        if (head && head.seq >= expected)
          return { ok: false, checked, brokenAt: expected, lastHash: prevHash };
        return checked === 0 ? { ok: true, checked } : { ok: true, checked, lastHash: prevHash };
      }),

    listForRequest: (requestId, limit = 200) =>
      guarded(async () => {
        const docs = await Audit.find({ requestId })
          .sort({ seq: 1 })
          .limit(Math.max(1, Math.min(limit, 1000)))
          .lean<AuditDoc[]>();
        return docs.map(toEvent).filter((e): e is AuditEvent => e !== null);
      }),
  };

  /** Moves the head forward (never back on MongoDB; on FerretDB a race may leave it a little behind, which is safe). */
  async function advanceHead(seq: number, hash: string): Promise<void> {
    try {
      await Head.updateOne({ _id: headId, seq: { $lt: seq } }, { $set: { seq, hash } }, { upsert: true });
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
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
