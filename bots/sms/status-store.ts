import { createHmac } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keyring } from "../../src/crypto/index.js";

/** How long one message's delivery state is kept: enough to see a failure, not a history. */
export const statusTtlSec = 48 * 3600;

/** The delivery states Twilio reports for an outbound message. */
const knownStatuses = new Set([
  "accepted",
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "read",
  "canceled",
  "partially_delivered",
  "receiving",
  "received",
]);

/** Final states: Twilio lets us delete the message from then on. */
export const finalStatuses: ReadonlySet<string> = new Set(["delivered", "undelivered", "failed", "canceled"]);

/** Redis keys of SMS delivery state; they hold a keyed hash of the MessageSid, never the sid or a number. */
export function smsStatusKeys(prefix: string) {
  return {
    /** Hash: status, code (Twilio ErrorCode, e.g. 30007 carrier filtered). TTL `statusTtlSec`. */
    message: (sidHash: string) => `${prefix}:sms:status:${sidHash}`,
    /** Hash of counters "status" and "status:code" (e.g. "undelivered:30007"): a content-free metric. */
    counts: `${prefix}:sms:status-counts`,
  };
}

/**
 * Records a status only when it changes, so Twilio's retries of a callback count once.
 * KEYS: message, counts  ARGV: status, code, ttlSec
 */
const recordScript = `
local prev = redis.call('HGET', KEYS[1], 'status')
if prev == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'code', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[1] .. ':' .. ARGV[2], 1) end
return 1
`;

export interface StatusUpdate {
  status: string;
  /** Twilio ErrorCode (digits only) or undefined. */
  code?: string;
}

/** Keyed hash of a MessageSid (a sid can fetch the message at Twilio, so it is not stored as is). */
export function hashMessageSid(lookup: Keyring<Uint8Array>, sid: string): string {
  const key = lookup.keys.get(lookup.current);
  if (!key) throw new Error("lookup keyring has no current key");
  return createHmac("sha256", key).update(`twilio-status\0${sid}`).digest("base64url").slice(0, 32);
}

/** Reads a status form into a content-free update, or undefined if it is not one we know. */
export function readStatus(
  status: string | undefined,
  errorCode: string | undefined,
): StatusUpdate | undefined {
  const s = status?.toLowerCase();
  if (!s || !knownStatuses.has(s)) return undefined;
  const code = errorCode && /^\d{1,6}$/.test(errorCode) ? errorCode : undefined;
  return code ? { status: s, code } : { status: s };
}

/** Stores one delivery state; returns whether it changed. */
export async function recordStatus(
  redis: Redis,
  prefix: string,
  sidHash: string,
  update: StatusUpdate,
): Promise<boolean> {
  const keys = smsStatusKeys(prefix);
  const changed = await redis.eval(
    recordScript,
    2,
    keys.message(sidHash),
    keys.counts,
    update.status,
    update.code ?? "",
    statusTtlSec,
  );
  return changed === 1;
}
