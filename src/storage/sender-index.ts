import type { Connection } from "mongoose";
import { AppError, isAppError } from "../errors/app-error.js";
import { type Claim, createClaim, senderSubject } from "./claims.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { type RequestSenderDoc, requestClaimModel, requestSenderModel } from "./request-model.js";
import { validatedForInsert } from "./validated.js";

const maxAttempts = 30;

/** Which requests were stored under which sender lookup hash (see requestSenderSchema). */
export interface SenderIndex {
  /** Adds `requestId` to the sender's list; call before inserting the request. */
  add(senderHash: string, requestId: string): Promise<void>;
  /** Removes ids from the sender's list, and the document once the list is empty. */
  remove(senderHash: string, requestIds: readonly string[]): Promise<void>;
  /** The listed request ids of each hash (some may name no stored request: filter on the requests). */
  requestIdsOf(senderHashes: readonly string[]): Promise<string[]>;
}

/** The sender index over `connection`. Each call is a few `_id` lookups, whatever the number of requests. */
export function createSenderIndex(connection: Connection, clock: () => Date = () => new Date()): SenderIndex {
  const Senders = requestSenderModel(connection);
  const Claims = requestClaimModel(connection);
  const claim: Claim = createClaim(connection, clock);

  /**
   * Applies `change` to the hash's list under a claim on its version (retrying with fresh reads when another
   * writer got there first), because FerretDB evaluates an update's filter and writes in separate steps.
   */
  const update = async (
    senderHash: string,
    change: (ids: readonly string[]) => readonly string[] | null,
    firstTry: "insert" | "read" = "read",
  ): Promise<void> => {
    const subject = senderSubject(senderHash);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      // A first request of a sender (the usual case) goes straight to the insert below, saving a read.
      const current =
        attempt === 0 && firstTry === "insert"
          ? null
          : await Senders.findById(senderHash).lean<RequestSenderDoc>();
      const next = change(current?.requestIds ?? []);
      if (next === null) return;
      if (!current) {
        if (next.length === 0) return;
        // A counter, not a clock value (row 31: no times at rest). Claims of a deleted predecessor were
        // removed with it (below); one left by a writer that died expires with its lease, then is superseded.
        const stored = await validatedForInsert(Senders, {
          _id: senderHash,
          requestIds: [...next],
          version: 0,
        });
        try {
          await Senders.collection.insertOne(stored);
          return;
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          continue; // another writer created it: apply the change to theirs
        }
      }
      const version = current.version;
      let claimId: string;
      try {
        claimId = await claim(subject, version);
      } catch (err) {
        if (!isAppError(err, "CONFLICT")) throw err;
        await sleep(5 + Math.floor(Math.random() * 20 * (attempt + 1)));
        continue;
      }
      try {
        const res =
          next.length === 0
            ? await Senders.deleteOne({ _id: senderHash, version })
            : await Senders.updateOne(
                { _id: senderHash, version },
                { $set: { requestIds: [...next] }, $inc: { version: 1 } },
                { runValidators: true },
              );
        const done = "deletedCount" in res ? res.deletedCount === 1 : res.matchedCount === 1;
        if (done) {
          // Claims on this version and older can no longer matter: the version moved on or the document is gone.
          await Claims.deleteMany({ requestId: subject, version: { $lte: version } }).catch(() => {});
          return;
        }
      } catch (err) {
        await Claims.deleteOne({ _id: claimId }).catch(() => {});
        throw err;
      }
    }
    // Contention that does not end: a storage problem worth retrying later, not a refused request.
    throw new AppError("DEPENDENCY_DOWN", { detail: "sender index busy" });
  };

  return {
    add: (senderHash, requestId) =>
      update(senderHash, (ids) => (ids.includes(requestId) ? null : [...ids, requestId]), "insert"),
    remove: (senderHash, requestIds) =>
      update(senderHash, (ids) => {
        const next = ids.filter((id) => !requestIds.includes(id));
        return next.length === ids.length ? null : next;
      }),
    requestIdsOf: async (senderHashes) => {
      const docs = await Promise.all(
        [...new Set(senderHashes)].map((h) =>
          Senders.findById(h, { requestIds: 1 }).lean<RequestSenderDoc>(),
        ),
      );
      return [...new Set(docs.flatMap((d) => d?.requestIds ?? []))];
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
