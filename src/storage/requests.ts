import type { Connection, QueryFilter } from "mongoose";
import { erasureTag, unwrapSealedKey } from "../crypto/index.js";
import { AppError, isAppError } from "../errors/app-error.js";
import type { Channel, Lang } from "../intake/messages.js";
import { type ReasonCode, type RouteFlag, type Urgency, urgencyRank } from "../screening/types.js";
import { createClaim } from "./claims.js";
import { type Day, dayOf, dayPattern, startOfDay } from "./days.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { createErasureKeyStore, type ErasureKeyStore } from "./erasure-keys.js";
import type { Ciphertext, SealedDataKey } from "./opaque.js";
import { referralModel } from "./partner-model.js";
import { type RequestDoc, requestClaimModel, requestModel } from "./request-model.js";
import {
  assertTransition,
  openStatuses,
  type RequestStatus,
  requestStatuses,
  retentionStatuses,
} from "./request-status.js";
import { createSenderIndex } from "./sender-index.js";
import { guarded } from "./storage-error.js";
import { validatedForInsert } from "./validated.js";

/** What the screening worker stores for a completed intake. Content arrives already encrypted. */
export interface NewRequest {
  /** Minted by the worker before encrypting, because the envelopes' AD binds it. */
  readonly requestId: string;
  readonly intakeId: string;
  readonly reference: string;
  readonly urgency: Urgency;
  readonly reasons: readonly ReasonCode[];
  readonly routes: readonly RouteFlag[];
  readonly channel: Channel;
  readonly lang: Lang;
  /** Lookup hash of the sender under the current lookup key, and that key's id. */
  readonly senderHash: string;
  readonly lookupKeyId: string;
  /** Id of the team key the data key is sealed to. */
  readonly teamKeyId: string;
  readonly duplicateOf?: string | null;
  readonly relatedRequestIds?: readonly string[];
  readonly content: Ciphertext;
  /**
   * The team-sealed data key wrapped under `erasureKey` (src/crypto/erasure.ts): what new requests store.
   * `erasureKey` goes to the key store, never to the requests database.
   */
  readonly wrappedKey?: Ciphertext;
  readonly erasureKey?: Uint8Array;
  /** Legacy: the team-sealed data key in the request itself (no erasure key; old copies stay readable). */
  readonly sealedKey?: SealedDataKey;
}

/** One encrypted staff note. */
export interface StaffNote {
  readonly content: Ciphertext;
  readonly day: Day;
  readonly authorId: string;
}

/** A request as the queue shows it: every clear field, no ciphertext. */
export interface RequestSummary {
  readonly requestId: string;
  readonly intakeId: string;
  readonly reference: string;
  readonly status: RequestStatus;
  readonly urgency: Urgency;
  readonly reasons: readonly ReasonCode[];
  readonly routes: readonly RouteFlag[];
  readonly channel: Channel;
  readonly lang: Lang;
  readonly createdDay: Day;
  readonly updatedDay: Day;
  readonly statusDay: Day;
  readonly assignee: string | null;
  readonly retentionUntil: Date | null;
  /** Null once the request is closed, erased or expired (row 28). */
  readonly senderHash: string | null;
  readonly lookupKeyId: string;
  readonly teamKeyId: string;
  readonly duplicateOf: string | null;
  readonly relatedRequestIds: readonly string[];
  readonly version: number;
}

/** A whole request: the summary plus its ciphertext. `content` and keys are absent once shredded. */
export interface ProtectionRequest extends RequestSummary {
  readonly content: Ciphertext | null;
  readonly sealedKey: SealedDataKey | null;
  readonly wrappedKey: Ciphertext | null;
  /**
   * The request's erasure key from the key store (null once shredded, or for a legacy request). Not secret
   * from staff: the console hands it to the signed-in browser with the request. It is the shredding handle.
   */
  readonly erasureKey: Uint8Array | null;
  readonly notes: readonly StaffNote[];
}

/** A stored request's team-sealed data key as a re-wrap after a team key rotation needs it (no content). */
export interface StoredDataKey {
  readonly requestId: string;
  readonly teamKeyId: string;
  readonly version: number;
  /** Wrapped under `erasureKey` (current requests), or null for a legacy request. */
  readonly wrappedKey: Ciphertext | null;
  /** Legacy requests only: the sealed data key in the document itself. */
  readonly sealedKey: SealedDataKey | null;
  /** Null if the key store no longer has it (the request is being shredded): nothing to re-wrap then. */
  readonly erasureKey: Uint8Array | null;
}

/** The data key of one request re-sealed to `teamKeyId`: wrapped again (current requests) or sealed (legacy). */
export type RewrappedDataKey =
  | { readonly teamKeyId: string; readonly wrappedKey: Ciphertext }
  | { readonly teamKeyId: string; readonly sealedKey: SealedDataKey };

/** Filters the console queue and counts by. `assignee: null` means unassigned. */
export interface RequestFilter {
  readonly status?: RequestStatus | readonly RequestStatus[];
  readonly urgency?: Urgency | readonly Urgency[];
  readonly channel?: Channel;
  readonly lang?: Lang;
  readonly assignee?: string | null;
}

export interface ListQuery extends RequestFilter {
  /** Page size, 1 to 200. */
  readonly limit: number;
  /** The `next` cursor of the previous page. */
  readonly after?: string;
}

export interface RequestPage {
  readonly items: readonly RequestSummary[];
  /** Cursor for the next page; absent on the last page. */
  readonly next?: string;
}

export interface QueueCount {
  readonly status: RequestStatus;
  readonly urgency: Urgency;
  readonly count: number;
}

export interface ShredResult {
  /** Requests whose data key and content were removed. */
  readonly shredded: number;
  /** Request documents deleted. */
  readonly deleted: number;
  /** Referral records of those requests deleted. */
  readonly referralsDeleted: number;
}

export interface RequestStoreDeps {
  readonly connection: Connection;
  /** Days a request is kept after it is referred, declined or closed (RETENTION_DAYS). */
  readonly retentionDays: number;
  /** Current time; tests pass a fixed clock. */
  readonly clock?: () => Date;
  /** The erasure key store (KEYSTORE_URI / KEYSTORE_DB); default: the `<db>_keys` database on this server. */
  readonly erasureKeys?: ErasureKeyStore;
}

/** The protection requests collection, as the screening worker, console and maintenance jobs use it. */
export interface RequestStore {
  /** Stores a new request once: a replay (same intake) is a success with `created: false`. */
  insertRequest(request: NewRequest): Promise<{ created: boolean; requestId: string }>;
  getRequest(requestId: string): Promise<ProtectionRequest | null>;
  getByReference(reference: string): Promise<ProtectionRequest | null>;
  /** The queue: emergency first, then oldest first; keyset-paginated. */
  listRequests(query: ListQuery): Promise<RequestPage>;
  countRequests(filter?: RequestFilter): Promise<number>;
  countByStatusAndUrgency(filter?: RequestFilter): Promise<readonly QueueCount[]>;
  /** Moves a request along the status table; CONFLICT if `expectedVersion` is stale. */
  changeStatus(requestId: string, expectedVersion: number, to: RequestStatus): Promise<ProtectionRequest>;
  /** Sets or clears (null) the assignee. */
  assign(requestId: string, expectedVersion: number, staffId: string | null): Promise<ProtectionRequest>;
  /** Appends an encrypted staff note. */
  addNote(
    requestId: string,
    expectedVersion: number,
    note: { content: Ciphertext; authorId: string },
  ): Promise<ProtectionRequest>;
  /** Adds related request ids (duplicate links found later); no version check, it only adds. */
  linkRelated(requestId: string, relatedIds: readonly string[]): Promise<boolean>;
  /**
   * Open requests from any of these sender hashes created on or after `sinceDay`, oldest first (at most 50).
   * Reads every request document on FerretDB: for maintenance (a defender's delete), where it must not miss.
   */
  findOpenBySender(lookupHashes: readonly string[], sinceDay: Day): Promise<readonly RequestSummary[]>;
  /**
   * The same answer through the sender index (request_senders): a few `_id` lookups, for the screening worker's
   * per-job duplicate check. It can miss only requests stored by a version of this service without the index
   * and not backfilled (see ensureIndexes).
   */
  findOpenBySenderIndexed(lookupHashes: readonly string[], sinceDay: Day): Promise<readonly RequestSummary[]>;
  /**
   * Every request of these sender hashes, whatever its status: open ones by their sender hash, closed ones
   * by their erasure key's tag. For a defender's delete; reads every request document on FerretDB.
   */
  findAllBySender(lookupHashes: readonly string[]): Promise<readonly string[]>;
  /**
   * The defender's delete: destroys the erasure key, drops the data key, content and sender hash now and
   * schedules the document for removal. Any status.
   */
  markForShredding(requestId: string): Promise<boolean>;
  /** Removes the data key and content of every request past `retentionUntil`, then deletes them. */
  shredExpired(now?: Date): Promise<ShredResult>;
  /**
   * Requests whose data key is still sealed to a team key other than `teamKeyId` (and not shredded), by id
   * after `after`, at most `limit`; and how many there are in all. Drives the re-wrap after a team key
   * rotation: whatever is still listed is what is left to do, so an interrupted re-wrap just runs again.
   */
  listUnderOtherTeamKey(
    teamKeyId: string,
    after: string | null,
    limit: number,
  ): Promise<{ items: readonly StoredDataKey[]; remaining: number }>;
  /**
   * Replaces a request's team-sealed data key with one re-sealed to `next.teamKeyId` (CONFLICT if the version
   * moved or the request was shredded meanwhile). A wrapped key must open under the request's own erasure key
   * to a data key sealed to that team key id, else BAD_REQUEST: a bad client cannot make a request unreadable.
   */
  rewrapDataKey(requestId: string, expectedVersion: number, next: RewrappedDataKey): Promise<void>;
}

const maxRewrapPage = 100;
const summaryProjection = { content: 0, sealedKey: 0, notes: 0 } as const;
const maxLatestAttempts = 30;
const maxOpenBySender = 50;
const maxPage = 200;
const shredBatch = 500;

/** Creates the request store over `connection`. Call `ensureIndexes` once at start-up before using it. */
export function createRequestStore(deps: RequestStoreDeps): RequestStore {
  const Requests = requestModel(deps.connection);
  const Referrals = referralModel(deps.connection);
  const Claims = requestClaimModel(deps.connection);
  const clock = deps.clock ?? (() => new Date());
  if (!Number.isSafeInteger(deps.retentionDays) || deps.retentionDays < 1) {
    throw new AppError("INTERNAL", { detail: "retentionDays must be a positive whole number" });
  }

  const fetch = async (requestId: string): Promise<ProtectionRequest | null> => {
    const doc = await Requests.findById(requestId).lean<RequestDoc>();
    return doc ? fetchFull(doc) : null;
  };

  const keys = deps.erasureKeys ?? createErasureKeyStore(deps.connection);
  const fetchFull = async (doc: RequestDoc): Promise<ProtectionRequest> =>
    toRequest(doc, doc.wrappedKey ? await keys.get(doc._id) : null);

  const claim = createClaim(deps.connection, clock);
  const senders = createSenderIndex(deps.connection, clock);

  /**
   * The one way to change a request: read it, check the version, claim that version, then update with filter
   * {_id, version} and $inc version. Whoever claimed first wins; everyone else gets CONFLICT. On MongoDB the
   * filter alone would do; the claim makes it hold on FerretDB too.
   */
  const updateVersioned = async (
    requestId: string,
    expectedVersion: number,
    build: (current: RequestDoc, today: Day) => UpdateParts | null,
  ): Promise<ProtectionRequest> =>
    guarded(async () => {
      const current = await Requests.findById(requestId).lean<RequestDoc>();
      if (!current) throw new AppError("NOT_FOUND");
      if (current.version !== expectedVersion) throw new AppError("CONFLICT");
      const today = dayOf(clock());
      const parts = build(current, today);
      if (parts === null) return fetchFull(current);
      const claimId = await claim(requestId, expectedVersion);
      const update: Record<string, unknown> = {
        $set: { ...parts.set, updatedDay: today },
        $inc: { version: 1 },
      };
      if (parts.unset) update.$unset = parts.unset;
      if (parts.push) update.$push = parts.push;
      if (parts.addToSet) update.$addToSet = parts.addToSet;
      let updated: RequestDoc | null;
      try {
        updated = await Requests.findOneAndUpdate({ _id: requestId, version: expectedVersion }, update, {
          returnDocument: "after",
          runValidators: true,
        }).lean<RequestDoc>();
      } catch (err) {
        // Refused (e.g. a note that is not an envelope) or failed: let the next writer have this version at
        // once instead of after the lease. If the write did land, the version filter stops any second one.
        await Claims.deleteOne({ _id: claimId }).catch(() => {});
        throw err;
      }
      if (!updated) throw new AppError("CONFLICT");
      // Claims on older versions can no longer matter: the version has moved past them.
      await Claims.deleteMany({ requestId, version: { $lt: expectedVersion } }).catch(() => {});
      return fetchFull(updated);
    });

  /** Applies an unconditional change (no version from the caller) by retrying on CONFLICT with fresh reads. */
  const updateLatest = async (
    requestId: string,
    build: (current: RequestDoc, today: Day) => UpdateParts | null,
  ): Promise<ProtectionRequest | null> => {
    for (let attempt = 0; attempt < maxLatestAttempts; attempt++) {
      const current = await guarded(() =>
        Requests.findById(requestId, { version: 1 }).lean<{ version: number }>(),
      );
      if (!current) return null;
      try {
        return await updateVersioned(requestId, current.version, build);
      } catch (err) {
        if (!isAppError(err, "CONFLICT")) throw err;
        await sleep(5 + Math.floor(Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new AppError("CONFLICT");
  };

  return {
    insertRequest: (request) =>
      guarded(async () => {
        const today = dayOf(clock());
        const doc = {
          _id: request.requestId,
          intakeId: request.intakeId,
          reference: request.reference,
          status: "new" as RequestStatus,
          urgency: request.urgency,
          urgencyRank: urgencyRank[request.urgency],
          reasons: [...new Set(request.reasons)],
          routes: [...new Set(request.routes)],
          channel: request.channel,
          lang: request.lang,
          createdDay: today,
          updatedDay: today,
          statusDay: today,
          assignee: null,
          retentionUntil: null,
          senderHash: request.senderHash,
          lookupKeyId: request.lookupKeyId,
          teamKeyId: request.teamKeyId,
          duplicateOf: request.duplicateOf ?? null,
          relatedRequestIds: [...new Set(request.relatedRequestIds ?? [])],
          version: 0,
          content: request.content,
          ...(request.wrappedKey !== undefined ? { wrappedKey: request.wrappedKey } : {}),
          ...(request.sealedKey !== undefined ? { sealedKey: request.sealedKey } : {}),
          notes: [],
        };
        if ((request.wrappedKey === undefined) === (request.sealedKey === undefined)) {
          throw new AppError("BAD_REQUEST", { detail: "one of wrappedKey or sealedKey" });
        }
        if (request.wrappedKey !== undefined && request.erasureKey === undefined) {
          throw new AppError("BAD_REQUEST", { detail: "wrappedKey without its erasure key" });
        }
        const stored = await validatedForInsert(Requests, doc);
        // The key first: a request must never be stored without the key that opens it. A key whose request
        // is never stored (a crash in between) opens nothing: it is a random key with an id, no content.
        if (request.erasureKey !== undefined) await keys.put(request.requestId, request.erasureKey);
        // Listed first, so the index never lacks a stored request (an id whose insert fails stays listed,
        // pointing at nothing, unless removed below).
        await senders.add(request.senderHash, request.requestId);
        try {
          await Requests.collection.insertOne(stored);
          return { created: true, requestId: request.requestId };
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          // A replay of the same intake is success. A clash with a different intake (same reference or
          // request id minted twice) is not, and must not be hidden.
          const existing = await Requests.findOne({ intakeId: request.intakeId }, { _id: 1 }).lean<{
            _id: string;
          }>();
          if (existing?._id !== request.requestId) {
            // This attempt's id names no request: unlist it (best effort; a leftover id is only skipped).
            await senders.remove(request.senderHash, [request.requestId]).catch(() => {});
            await keys.destroy([request.requestId]).catch(() => {});
          }
          if (!existing) throw new AppError("CONFLICT", { detail: "request id or reference already used" });
          return { created: false, requestId: existing._id };
        }
      }),

    getRequest: (requestId) => guarded(() => fetch(requestId)),

    getByReference: (reference) =>
      guarded(async () => {
        const doc = await Requests.findOne({ reference }).lean<RequestDoc>();
        return doc ? fetchFull(doc) : null;
      }),

    listRequests: (query) =>
      guarded(async () => {
        const limit = Math.trunc(query.limit);
        if (!(limit >= 1 && limit <= maxPage)) throw new AppError("BAD_REQUEST", { detail: "limit 1-200" });
        const filter = toFilter(query);
        const conditions: QueryFilter<RequestDoc>[] = [filter];
        if (query.after !== undefined) conditions.push(afterCursor(decodeCursor(query.after)));
        const docs = await Requests.find(conditions.length === 1 ? filter : { $and: conditions })
          .select(summaryProjection)
          .sort({ urgencyRank: 1, createdDay: 1, _id: 1 })
          .limit(limit + 1)
          .lean<RequestDoc[]>();
        const page = docs.slice(0, limit).map(toSummary);
        const last = page[page.length - 1];
        return docs.length > limit && last ? { items: page, next: encodeCursor(last) } : { items: page };
      }),

    countRequests: (filter = {}) => guarded(() => Requests.countDocuments(toFilter(filter))),

    countByStatusAndUrgency: (filter = {}) =>
      guarded(async () => {
        // $match + $group with $sum are within what FerretDB 1.24 supports.
        const rows = await Requests.aggregate<{
          _id: { status: RequestStatus; urgency: Urgency };
          count: number;
        }>([
          { $match: toFilter(filter) },
          { $group: { _id: { status: "$status", urgency: "$urgency" }, count: { $sum: 1 } } },
        ]);
        return rows
          .map((r) => ({ status: r._id.status, urgency: r._id.urgency, count: r.count }))
          .sort(
            (a, b) =>
              requestStatuses.indexOf(a.status) - requestStatuses.indexOf(b.status) ||
              urgencyRank[a.urgency] - urgencyRank[b.urgency],
          );
      }),

    changeStatus: async (requestId, expectedVersion, to) => {
      const retained = retentionStatuses.includes(to);
      // Declined or closed (not referred, which stays open for replies and duplicate links).
      const closing = retained && !openStatuses.includes(to);
      // Closing drops the sender hash (row 28). First the erasure key gets the tag a defender's delete will
      // find the request by; a request without an erasure key (legacy) keeps its hash so a delete still can.
      let dropped: string | null = null;
      if (closing) {
        const current = await guarded(() =>
          Requests.findById(requestId, { senderHash: 1, version: 1 }).lean<RequestDoc>(),
        );
        const key =
          current?.senderHash && current.version === expectedVersion ? await keys.get(requestId) : null;
        if (current?.senderHash && key) {
          await keys.setTag(requestId, erasureTag(key, current.senderHash));
          dropped = current.senderHash;
        }
      }
      const updated = await updateVersioned(requestId, expectedVersion, (current, today) => {
        assertTransition(current.status, to);
        const set: Record<string, unknown> = { status: to, statusDay: today };
        if (retained) set.retentionUntil = startOfDay(today, deps.retentionDays);
        return dropped !== null && current.senderHash === dropped
          ? { set, unset: { senderHash: 1 } }
          : { set };
      });
      if (dropped !== null && updated.senderHash === null) {
        await guarded(() => senders.remove(dropped as string, [requestId]));
      }
      return updated;
    },

    assign: (requestId, expectedVersion, staffId) =>
      updateVersioned(requestId, expectedVersion, () => ({ set: { assignee: staffId } })),

    addNote: (requestId, expectedVersion, note) =>
      updateVersioned(requestId, expectedVersion, (_current, today) => ({
        set: {},
        push: { notes: { content: note.content, day: today, authorId: note.authorId } },
      })),

    linkRelated: async (requestId, relatedIds) => {
      const ids = [...new Set(relatedIds)].filter((id) => id !== requestId);
      if (ids.length === 0) return false;
      const updated = await updateLatest(requestId, (current) =>
        ids.every((id) => current.relatedRequestIds.includes(id))
          ? null
          : { set: {}, addToSet: { relatedRequestIds: { $each: ids } } },
      );
      return updated !== null;
    },

    findOpenBySender: (lookupHashes, sinceDay) =>
      guarded(async () => {
        if (lookupHashes.length === 0) return [];
        if (!dayPattern.test(sinceDay)) throw new AppError("BAD_REQUEST", { detail: "sinceDay" });
        const docs = await Requests.find({
          senderHash: { $in: [...lookupHashes] },
          status: { $in: [...openStatuses] },
          createdDay: { $gte: sinceDay },
        })
          .select(summaryProjection)
          .sort({ createdDay: 1, _id: 1 })
          .limit(maxOpenBySender)
          .lean<RequestDoc[]>();
        return docs.map(toSummary);
      }),

    findOpenBySenderIndexed: (lookupHashes, sinceDay) =>
      guarded(async () => {
        if (lookupHashes.length === 0) return [];
        if (!dayPattern.test(sinceDay)) throw new AppError("BAD_REQUEST", { detail: "sinceDay" });
        const ids = await senders.requestIdsOf(lookupHashes);
        const docs = await Promise.all(
          ids.map((id) => Requests.findById(id).select(summaryProjection).lean<RequestDoc>()),
        );
        // The same conditions and order as findOpenBySender's query (ids and days are ASCII, so string
        // order is MongoDB's binary order).
        const hashes = new Set(lookupHashes);
        return docs
          .filter(
            (d): d is RequestDoc =>
              d !== null &&
              d.senderHash != null &&
              hashes.has(d.senderHash) &&
              openStatuses.includes(d.status) &&
              d.createdDay >= sinceDay,
          )
          .sort((a, b) => compareAscii(a.createdDay, b.createdDay) || compareAscii(a._id, b._id))
          .slice(0, maxOpenBySender)
          .map(toSummary);
      }),

    findAllBySender: (lookupHashes) =>
      guarded(async () => {
        if (lookupHashes.length === 0) return [];
        const byHash = await Requests.find({ senderHash: { $in: [...lookupHashes] } }, { _id: 1 })
          .sort({ _id: 1 })
          .lean<{ _id: string }[]>();
        const ids = new Set(byHash.map((d) => d._id));
        // Closed requests: one keyed hash per tagged erasure key and sender hash.
        for (const t of await keys.tagged()) {
          if (lookupHashes.some((h) => erasureTag(t.key, h) === t.tag)) ids.add(t.requestId);
        }
        return [...ids];
      }),

    markForShredding: async (requestId) => {
      const doc = await guarded(() => Requests.findById(requestId, { senderHash: 1 }).lean<RequestDoc>());
      if (!doc) return false;
      // The erasure key first: from this moment no copy of the request opens, whatever happens next.
      await guarded(() => keys.destroy([requestId]));
      const updated = await updateLatest(requestId, (_current, today) => ({
        set: { notes: [], retentionUntil: startOfDay(today) },
        unset: { content: 1, sealedKey: 1, wrappedKey: 1, senderHash: 1 },
      }));
      if (doc.senderHash) await guarded(() => senders.remove(doc.senderHash as string, [requestId]));
      return updated !== null;
    },

    shredExpired: (now = clock()) =>
      guarded(async () => {
        let shredded = 0;
        let deleted = 0;
        let referralsDeleted = 0;
        for (;;) {
          const batch = await Requests.find({ retentionUntil: { $lte: now } }, { _id: 1, senderHash: 1 })
            .sort({ _id: 1 })
            .limit(shredBatch)
            .lean<{ _id: string; senderHash?: string | null }[]>();
          if (batch.length === 0) break;
          const ids = batch.map((d) => d._id);
          // The erasure keys first: from here on no copy of these requests opens.
          await keys.destroy(ids);
          // First make the content unreadable (drop the data key), then remove what is left: if the process
          // dies in between, the next run finishes the job and nothing readable was left meanwhile.
          for (const id of ids) {
            let hadKey = false;
            await updateLatest(id, (current) => {
              hadKey = current.sealedKey != null || current.wrappedKey != null || current.content != null;
              return hadKey || current.notes.length > 0 || current.senderHash != null
                ? { set: { notes: [] }, unset: { content: 1, sealedKey: 1, wrappedKey: 1, senderHash: 1 } }
                : null;
            });
            if (hadKey) shredded += 1;
          }
          const refs = await Referrals.deleteMany({ requestId: { $in: ids } });
          referralsDeleted += refs.deletedCount;
          const del = await Requests.deleteMany({ _id: { $in: ids }, retentionUntil: { $lte: now } });
          deleted += del.deletedCount;
          await Claims.deleteMany({ requestId: { $in: ids } });
          // Unlist them only now that they are gone (the index may list more than is stored, never less).
          const left = new Set(
            (await Requests.find({ _id: { $in: ids } }, { _id: 1 }).lean<{ _id: string }[]>()).map(
              (d) => d._id,
            ),
          );
          const goneBySender = new Map<string, string[]>();
          for (const d of batch) {
            if (!left.has(d._id) && d.senderHash)
              goneBySender.set(d.senderHash, [...(goneBySender.get(d.senderHash) ?? []), d._id]);
          }
          for (const [hash, gone] of goneBySender) await senders.remove(hash, gone);
          if (batch.length < shredBatch) break;
        }
        return { shredded, deleted, referralsDeleted };
      }),
    listUnderOtherTeamKey: (teamKeyId, after, limit) =>
      guarded(async () => {
        const filter = {
          teamKeyId: { $ne: teamKeyId },
          $or: [{ wrappedKey: { $exists: true } }, { sealedKey: { $exists: true } }],
        } as QueryFilter<RequestDoc>;
        const [docs, remaining] = await Promise.all([
          Requests.find(after ? { ...filter, _id: { $gt: after } } : filter, {
            teamKeyId: 1,
            version: 1,
            wrappedKey: 1,
            sealedKey: 1,
          })
            .sort({ _id: 1 })
            .limit(Math.min(Math.max(1, limit), maxRewrapPage))
            .lean<RequestDoc[]>(),
          Requests.countDocuments(filter),
        ]);
        const items: StoredDataKey[] = [];
        for (const d of docs) {
          items.push({
            requestId: d._id,
            teamKeyId: d.teamKeyId,
            version: d.version,
            wrappedKey: (d.wrappedKey ?? null) as Ciphertext | null,
            sealedKey: (d.sealedKey ?? null) as SealedDataKey | null,
            erasureKey: d.wrappedKey ? await keys.get(d._id) : null,
          });
        }
        return { items, remaining };
      }),

    rewrapDataKey: async (requestId, expectedVersion, next) => {
      const erasureKey = "wrappedKey" in next ? await guarded(() => keys.get(requestId)) : null;
      const sealedPrefix = `v1.datakey.${next.teamKeyId}.`;
      await updateVersioned(requestId, expectedVersion, (current) => {
        if ("wrappedKey" in next) {
          if (!current.wrappedKey || !erasureKey) throw new AppError("CONFLICT");
          let sealed: string;
          try {
            sealed = unwrapSealedKey(erasureKey, requestId, next.wrappedKey);
          } catch {
            throw new AppError("BAD_REQUEST", { detail: "not wrapped under this request's erasure key" });
          }
          if (!sealed.startsWith(sealedPrefix)) {
            throw new AppError("BAD_REQUEST", { detail: "data key not sealed to the given team key" });
          }
          return { set: { wrappedKey: next.wrappedKey, teamKeyId: next.teamKeyId } };
        }
        if (!current.sealedKey || current.wrappedKey) throw new AppError("CONFLICT");
        if (!next.sealedKey.startsWith(sealedPrefix)) {
          throw new AppError("BAD_REQUEST", { detail: "data key not sealed to the given team key" });
        }
        return { set: { sealedKey: next.sealedKey, teamKeyId: next.teamKeyId } };
      });
    },
  };
}

/** The parts of one request update; `updatedDay` and `version` are added by `updateVersioned`. */
interface UpdateParts {
  readonly set: Record<string, unknown>;
  readonly unset?: Record<string, 1>;
  readonly push?: Record<string, unknown>;
  readonly addToSet?: Record<string, unknown>;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function toFilter(filter: RequestFilter): QueryFilter<RequestDoc> {
  const out: Record<string, unknown> = {};
  if (filter.status !== undefined) {
    out.status = typeof filter.status === "string" ? filter.status : { $in: [...filter.status] };
  }
  if (filter.urgency !== undefined) {
    out.urgency = typeof filter.urgency === "string" ? filter.urgency : { $in: [...filter.urgency] };
  }
  if (filter.channel !== undefined) out.channel = filter.channel;
  if (filter.lang !== undefined) out.lang = filter.lang;
  if (filter.assignee !== undefined) out.assignee = filter.assignee;
  return out as QueryFilter<RequestDoc>;
}

type Cursor = readonly [rank: number, createdDay: Day, id: string];

function encodeCursor(last: RequestSummary): string {
  const cursor: Cursor = [urgencyRank[last.urgency], last.createdDay, last.requestId];
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      Number.isInteger(value[0]) &&
      typeof value[1] === "string" &&
      dayPattern.test(value[1]) &&
      typeof value[2] === "string" &&
      value[2].length <= 64
    ) {
      return [value[0], value[1], value[2]];
    }
  } catch {
    // fall through
  }
  throw new AppError("BAD_REQUEST", { detail: "invalid cursor" });
}

/** Keyset condition: strictly after `c` in (urgencyRank, createdDay, _id) order. */
function afterCursor([rank, day, id]: Cursor): QueryFilter<RequestDoc> {
  return {
    $or: [
      { urgencyRank: { $gt: rank } },
      { urgencyRank: rank, createdDay: { $gt: day } },
      { urgencyRank: rank, createdDay: day, _id: { $gt: id } },
    ],
  } as QueryFilter<RequestDoc>;
}

function toSummary(doc: RequestDoc): RequestSummary {
  return {
    requestId: doc._id,
    intakeId: doc.intakeId,
    reference: doc.reference,
    status: doc.status,
    urgency: doc.urgency,
    reasons: [...doc.reasons] as ReasonCode[],
    routes: [...doc.routes] as RouteFlag[],
    channel: doc.channel,
    lang: doc.lang,
    createdDay: doc.createdDay,
    updatedDay: doc.updatedDay,
    statusDay: doc.statusDay,
    assignee: doc.assignee ?? null,
    retentionUntil: doc.retentionUntil ?? null,
    senderHash: doc.senderHash ?? null,
    lookupKeyId: doc.lookupKeyId,
    teamKeyId: doc.teamKeyId,
    duplicateOf: doc.duplicateOf ?? null,
    relatedRequestIds: [...doc.relatedRequestIds],
    version: doc.version,
  };
}

function toRequest(doc: RequestDoc, erasureKey: Uint8Array | null): ProtectionRequest {
  return {
    ...toSummary(doc),
    content: (doc.content ?? null) as Ciphertext | null,
    sealedKey: (doc.sealedKey ?? null) as SealedDataKey | null,
    wrappedKey: (doc.wrappedKey ?? null) as Ciphertext | null,
    erasureKey,
    notes: doc.notes.map((n) => ({ content: n.content as Ciphertext, day: n.day, authorId: n.authorId })),
  };
}
