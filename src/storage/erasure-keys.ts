import mongoose, { type Connection, type InferSchemaType, type Model, Schema } from "mongoose";
import { AppError } from "../errors/app-error.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { idPattern } from "./request-model.js";

/**
 * The erasure key store (security row 26): one random key per request, in a database of its own (default
 * `<requests db>_keys`, or KEYSTORE_URI / KEYSTORE_DB), which operators back up with a short retention of its
 * own. A request's team-sealed data key is stored only wrapped under its erasure key (src/crypto/erasure.ts),
 * so deleting the erasure key shreds every older copy of the request too. Once a request is closed the key
 * document also holds `tag`, the request's only link to its sender (see `erasureTag`). Holds keys, ids and
 * tags only: nothing a defender said.
 */
export const erasureKeySchema = new Schema(
  {
    _id: { type: String, required: true, match: idPattern },
    key: { type: Buffer, required: true },
    tag: { type: String, match: /^[A-Za-z0-9_-]{43}$/ },
  },
  {
    collection: "erasure_keys",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    autoIndex: false,
    autoCreate: false,
  },
);

export type ErasureKeyDoc = InferSchemaType<typeof erasureKeySchema>;

/** The erasure keys of requests, by request id. */
export interface ErasureKeyStore {
  /** Stores `key` for a new request; if one is stored already (a replay), returns that one instead. */
  put(requestId: string, key: Uint8Array): Promise<Uint8Array>;
  get(requestId: string): Promise<Uint8Array | null>;
  /** Sets the sender tag of a closed request (its only sender link once its sender hash is dropped). */
  setTag(requestId: string, tag: string): Promise<void>;
  /** Every request that has a sender tag, with its key: a defender's delete tests each one. */
  tagged(): Promise<
    readonly { readonly requestId: string; readonly key: Uint8Array; readonly tag: string }[]
  >;
  /** Deletes the keys of these requests: from then on they open from no copy. Returns how many went. */
  destroy(requestIds: readonly string[]): Promise<number>;
}

export interface KeyStoreLocation {
  /** KEYSTORE_URI: another server; unset means the requests' own server. */
  readonly uri?: string | undefined;
  /** KEYSTORE_DB: unset means `<requests db>_keys`. */
  readonly dbName?: string | undefined;
}

/** The default key store database of a requests database. */
export function defaultKeyStoreDb(requestsDb: string): string {
  return `${requestsDb}_keys`;
}

/**
 * The key store next to `requests` (a connection to the requests database), or at `location`. A separate
 * `uri` opens its own connection (closed by `close`); otherwise the requests connection's pool is shared.
 * The database is resolved at first use, once the requests connection knows its database name.
 */
export function createErasureKeyStore(
  requests: Connection,
  location: KeyStoreLocation = {},
): ErasureKeyStore & { close(): Promise<void> } {
  const own = location.uri
    ? mongoose.createConnection(location.uri, {
        serverSelectionTimeoutMS: 2000,
        autoIndex: false,
        autoCreate: false,
      })
    : undefined;
  own?.on("error", () => {});
  let model: Model<ErasureKeyDoc> | undefined;
  const Keys = (): Model<ErasureKeyDoc> => {
    if (model) return model;
    const base = own ?? requests;
    const dbName = location.dbName ?? (own ? own.name : defaultKeyStoreDb(requests.name));
    if (!dbName) throw new AppError("DEPENDENCY_DOWN", { detail: "key store database unknown" });
    const db = base.name === dbName ? base : base.useDb(dbName, { useCache: true });
    model =
      (db.models.ErasureKey as Model<ErasureKeyDoc> | undefined) ??
      db.model<ErasureKeyDoc>("ErasureKey", erasureKeySchema);
    return model;
  };

  return {
    put: async (requestId, key) => {
      try {
        await Keys().create({ _id: requestId, key: Buffer.from(key) });
        return key;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const stored = await Keys().findById(requestId).lean<ErasureKeyDoc>();
        if (!stored) throw new AppError("CONFLICT", { detail: "erasure key vanished" });
        return bytesOf(stored.key);
      }
    },
    get: async (requestId) => {
      const stored = await Keys().findById(requestId).lean<ErasureKeyDoc>();
      return stored ? bytesOf(stored.key) : null;
    },
    setTag: async (requestId, tag) => {
      await Keys().updateOne({ _id: requestId }, { $set: { tag } }, { runValidators: true });
    },
    tagged: async () => {
      const docs = await Keys()
        .find({ tag: { $exists: true } })
        .lean<ErasureKeyDoc[]>();
      return docs.flatMap((d) => (d.tag ? [{ requestId: d._id, key: bytesOf(d.key), tag: d.tag }] : []));
    },
    destroy: async (requestIds) => {
      if (requestIds.length === 0) return 0;
      const res = await Keys().deleteMany({ _id: { $in: [...requestIds] } });
      return res.deletedCount;
    },
    close: async () => {
      await own?.close(true).catch(() => {});
    },
  };
}

function bytesOf(value: unknown): Uint8Array {
  // lean() gives a BSON Binary (with `.buffer`) or a Buffer depending on the driver path.
  if (value instanceof Uint8Array) return new Uint8Array(value);
  const inner = (value as { buffer?: unknown }).buffer;
  if (inner instanceof Uint8Array) return new Uint8Array(inner);
  throw new AppError("INTERNAL", { detail: "erasure key shape" });
}
