import mongoose, { type Connection } from "mongoose";
import { createErasureKeyStore, type ErasureKeyStore, type KeyStoreLocation } from "./erasure-keys.js";
import { ensureIndexes } from "./indexes.js";

/** The database connection type, for modules outside src/storage that pass a connection through. */
export type { Connection };

export interface Storage {
  readonly connection: Connection;
  /** The erasure key store (KEYSTORE_URI / KEYSTORE_DB): pass it to every request store. */
  readonly erasureKeys: ErasureKeyStore;
  /** Resolves when the server answers a ping; used by /readyz. */
  ping(): Promise<void>;
  /** Waits for the server, then creates every collection and index (see indexes.ts). Run before writing. */
  ensureIndexes(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to MongoDB (or a compatible server) without blocking start-up: if the server is down, the
 * connection keeps retrying in the background and `ping` fails until it is up, so /readyz can say so.
 * `autoIndex` is off: indexes are created explicitly at start-up by `ensureIndexes` (src/storage/indexes.ts).
 */
export function connectStorage(uri: string, keyStore: KeyStoreLocation = {}): Storage {
  const connection = mongoose.createConnection();
  connection.set("autoIndex", false);
  connection.set("autoCreate", false);
  connection.on("error", () => {});
  let closed = false;
  let attempt: Promise<unknown> | undefined;

  const open = (): Promise<unknown> => {
    attempt ??= connection
      .openUri(uri, { serverSelectionTimeoutMS: 2000, autoIndex: false, autoCreate: false })
      .catch(() => {
        attempt = undefined;
      });
    return attempt;
  };
  void open();
  const erasureKeys = createErasureKeyStore(connection, keyStore);

  return {
    connection,
    erasureKeys,
    async ping() {
      if (closed) throw new Error("closed");
      if (!isConnected(connection)) {
        await open();
        if (!isConnected(connection)) throw new Error("not connected");
      }
      const db = connection.db;
      if (!db) throw new Error("not connected");
      await db.command({ ping: 1 });
    },
    async ensureIndexes() {
      await this.ping();
      await ensureIndexes(connection);
    },
    async close() {
      closed = true;
      await erasureKeys.close();
      await connection.close(true).catch(() => {});
    },
  };
}

function isConnected(connection: Connection): boolean {
  return connection.readyState === mongoose.ConnectionStates.connected;
}
