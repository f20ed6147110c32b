import type { IndexDescription } from "mongodb";
import type { Connection } from "mongoose";
import { AppError } from "../errors/app-error.js";
import { auditHeadModel, auditModel } from "./audit-model.js";
import { partnerModel, referralModel } from "./partner-model.js";
import { requestClaimModel, requestModel, requestSenderModel } from "./request-model.js";
import { createSenderIndex } from "./sender-index.js";

/**
 * Creates every collection and index this service relies on. `autoIndex` is off, so this runs once at
 * start-up (and in tests): the unique indexes are what make replayed writes idempotent, so a role must not
 * write before this has finished. Safe to run again; existing collections and indexes are kept.
 */
export async function ensureIndexes(connection: Connection): Promise<void> {
  const targets = [
    requestModel(connection),
    requestClaimModel(connection),
    requestSenderModel(connection),
    auditModel(connection),
    auditHeadModel(connection),
    partnerModel(connection),
    referralModel(connection),
  ].map((model) => ({ name: model.collection.collectionName, indexes: model.schema.indexes() }));
  const db = connection.db;
  if (!db) throw new AppError("DEPENDENCY_DOWN", { detail: "storage is not connected" });
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const senderIndexIsNew = !existing.has(requestSenderModel(connection).collection.collectionName);
  for (const { name, indexes } of targets) {
    if (!existing.has(name)) {
      await db.createCollection(name).catch((err: unknown) => {
        // Another process created it in the meantime (NamespaceExists).
        if ((err as { code?: unknown }).code !== 48) throw err;
      });
    }
    const specs: IndexDescription[] = indexes.map(
      ([key, options]) => ({ ...options, key }) as IndexDescription,
    );
    // Only the missing ones, one at a time: FerretDB 1.24 drops the connection when one createIndexes call
    // names indexes that already exist, which made every second start of a role fail here.
    const collection = db.collection(name);
    const present = new Set((await collection.listIndexes().toArray()).map((index) => String(index.name)));
    for (const spec of specs) {
      const indexName = spec.name ?? defaultIndexName(spec.key as Record<string, unknown>);
      if (present.has(indexName)) continue;
      await collection.createIndexes([{ ...spec, name: indexName }]);
    }
  }
  if (senderIndexIsNew) await backfillSenderIndex(connection);
}

/**
 * Lists every stored request in the sender index (request_senders). Runs when that collection is first
 * created, i.e. on the first start of a version that has it, over requests stored before: stop roles of the
 * previous version first, or requests they store meanwhile are not found by the screening worker's duplicate
 * check (they are still found by a defender's delete, which reads the requests themselves).
 */
export async function backfillSenderIndex(connection: Connection): Promise<number> {
  const senders = createSenderIndex(connection);
  let listed = 0;
  const cursor = requestModel(connection)
    .find({}, { _id: 1, senderHash: 1 })
    .lean<{ _id: string; senderHash: string }>()
    .cursor();
  for await (const doc of cursor) {
    await senders.add(doc.senderHash, doc._id);
    listed++;
  }
  return listed;
}

/** The name MongoDB gives an index when none is set: `field_1_other_-1`. */
function defaultIndexName(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join("_");
}
