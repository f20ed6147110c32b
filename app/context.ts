import type { Redis } from "ioredis";
import type { Config } from "../src/config/index.js";
import type { Log } from "../src/log/index.js";
import type { Storage } from "../src/storage/connection.js";
import type { Lifecycle } from "./lifecycle.js";

/** What a composition root hands to the parts it wires: config, logger, shared connections, lifecycle. */
export interface RoleContext {
  readonly role: "serve" | "work" | "all";
  readonly config: Config;
  readonly log: Log;
  /** Shared command connection (fails fast rather than hanging). */
  readonly redis: Redis;
  /** Factory for BullMQ connections (`maxRetriesPerRequest: null`). */
  readonly bullConnection: () => Redis;
  readonly storage: Storage;
  readonly lifecycle: Lifecycle;
}
