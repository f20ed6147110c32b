import type { Redis } from "ioredis";
import type { Argon2Params } from "../crypto/index.js";
import type { Channel } from "../intake/messages.js";
import type { Log } from "../log/index.js";
import type { AuditKeyring } from "../storage/audit-chain.js";
import type { Connection } from "../storage/connection.js";
import type { ErasureKeyStore } from "../storage/erasure-keys.js";
import type { LoginLimits } from "./login-throttle.js";
import type { SessionLimits } from "./sessions.js";
import type { SlaHours } from "./sla.js";
import type { TotpKey } from "./totp-at-rest.js";

/** An outbound job as the console hands it to the queue: sealed in the browser, passed on unchanged. */
export interface ConsoleOutboundJob {
  readonly channel: Channel;
  /** Lookup hash of the recipient (the request's sender hash); never the address. */
  readonly recipient: string;
  /**
   * `v1.outbound.<keyId>.<payload>`: an OutboundMessage `{kind: "replies", channel, address, replies}` sealed
   * in the browser to the outbound key, bound to `outbound:<recipient>:<seq>` (queues/outbound-message.ts).
   */
  readonly sealed: string;
  /** Time-based sequence id (`<ms>-<n>`) minted in the browser and bound into the seal. */
  readonly seq: string;
  /** Deterministic job id (`staff-<requestId>-<digest of seq>`) so a retried POST enqueues once. */
  readonly jobId: string;
  /** The request replied to: the sender worker checks the sealed address against its sender (row 29). */
  readonly requestId: string;
  /** Who replied (staff id), for the audit entry if the worker refuses the reply. */
  readonly staffId: string;
}

/** Queue health numbers for the admin page (counts only, no job data). */
export type QueueHealth = () => Promise<Readonly<Record<string, Readonly<Record<string, number>>>>>;

/** What the composition root passes to the console plugin. */
export interface ConsoleDeps {
  readonly log: Log;
  /** Shared command connection; console keys live under `<redisPrefix>:staff:`. */
  readonly redis: Redis;
  readonly redisPrefix: string;
  /** The service's MongoDB connection; the plugin builds the staff, request, partner and audit stores on it. */
  readonly connection: Connection;
  /** The audit key ring (`audit.key`, row 30): staff actions are appended to the keyed audit chain. */
  readonly auditKey: AuditKeyring;
  /** RETENTION_DAYS, for the request store's status changes. */
  readonly retentionDays: number;
  /** The erasure key store (storage.erasureKeys); default `<db>_keys` on the same server. */
  readonly erasureKeys?: ErasureKeyStore;
  /** Hands a staff reply to the outbound queue unchanged. */
  readonly enqueueOutbound: (job: ConsoleOutboundJob) => Promise<void>;
  /** The current outbound public key the browser seals replies to (from the key manifest). */
  readonly outboundPublicKey: () => Promise<{ keyId: string; publicKey: Uint8Array } | undefined>;
  /** Encrypts TOTP secrets at rest: `console.key` from the serve role's key directory (src/keys/console-key.ts). */
  readonly totpKey: TotpKey;
  /** Secure cookies: true except in demo mode over plain http. */
  readonly cookieSecure: boolean;
  readonly queueHealth?: QueueHealth;
  readonly sla?: SlaHours;
  readonly sessionLimits?: SessionLimits;
  /**
   * Least Argon2id cost for staff passphrases (src/console/kdf-floor.ts): enforced at enrolment and passphrase
   * change, and built into the browser bundle. Default PRODUCTION_KDF_FLOOR; demo mode and tests pass lower.
   */
  readonly kdfFloor?: Argon2Params;
  /** Sign-in throttle limits (src/console/login-throttle.ts); defaults when absent. */
  readonly loginLimits?: Partial<LoginLimits>;
  /** Current time in ms; tests pass a movable clock. */
  readonly now?: () => number;
  /** Called for each CSP violation the browser reports (tests collect them). */
  readonly onCspViolation?: (violation: { directive: string; blocked: string }) => void;
}
