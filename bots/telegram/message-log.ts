import type { Redis } from "ioredis";
import { type BoxKeyPair, type Keyring, openOutbound, sealOutbound } from "../../src/crypto/index.js";
import type { Inbound } from "../../src/intake/messages.js";

/** Telegram lets a bot delete messages of a private chat for 48 hours; ids are kept exactly that long. */
export const MESSAGE_LOG_TTL_MS = 48 * 60 * 60 * 1000;
/** How long ids taken for a wipe stay available to a retry of the same wipe job. */
const WIPE_HOLD_SEC = 15 * 60;

/** The message-log keys of one chat, by the sender's lookup hash (never the chat id). */
export function messageLogKeys(prefix: string, sender: string) {
  return {
    /** Sorted set of sealed message-id batches, scored by the minute they were recorded (ms, floored). */
    log: `${prefix}:tg:msglog:${sender}`,
    /** The same, moved aside while a wipe is running (so a retried wipe still finds them). */
    wiping: `${prefix}:tg:msgwipe:${sender}`,
  };
}

const context = (sender: string) => `tg-msglog:${sender}`;

/** Writes message ids; all the ingress can do (it holds only the outbound PUBLIC key). */
export interface MessageLogWriter {
  /** Records ids of messages in the chat (incoming or sent), sealed, for 48 hours. */
  recordIds(sender: string, ids: readonly number[]): Promise<void>;
}

/** The worker's side: it also holds the outbound secret key, so it can read the ids back. */
export interface MessageLog extends MessageLogWriter {
  /** Ids recorded less than 48 hours ago, newest first; expired entries are dropped. */
  idsYoungerThan48h(sender: string): Promise<number[]>;
  /**
   * For a wipe: moves the chat's ids aside (so nothing new mixes in and a retried job finds them again)
   * and returns every id younger than 48 hours, newest first.
   */
  takeForWipe(sender: string): Promise<number[]>;
  /** Drops the ids a finished wipe moved aside (they expire on their own after 15 minutes otherwise). */
  finishWipe(sender: string): Promise<void>;
  /** Deletes everything recorded for the chat. */
  forget(sender: string): Promise<void>;
}

interface WriterOptions {
  redis: Redis;
  /** REDIS_PREFIX. */
  prefix: string;
  /** Outbound public keyring (the serve role's `keys.outbound`). */
  outbound: Keyring<Uint8Array>;
  clock?: () => number;
}

/**
 * The ingress's half of the /wipe message log: one Redis sorted set per sender, each member a batch of
 * message ids sealed to the outbound key (so neither Redis nor the ingress can read which messages exist),
 * scored by time, expiring 48 hours after the last write.
 */
export function createMessageLogWriter(options: WriterOptions): MessageLogWriter {
  const clock = options.clock ?? Date.now;
  return {
    async recordIds(sender, ids) {
      const valid = ids.filter((id) => Number.isSafeInteger(id) && id > 0);
      if (valid.length === 0) return;
      const now = clock();
      // The score is a time at rest: minutes, not milliseconds (security row 31). Flooring makes an id
      // look at most a minute older, so it may leave the 48-hour window a minute early, never late.
      const minute = Math.floor(now / 60_000) * 60_000;
      const { log } = messageLogKeys(options.prefix, sender);
      const sealed = sealOutbound(options.outbound, context(sender), JSON.stringify(valid));
      await options.redis
        .multi()
        .zadd(log, minute, sealed)
        .zremrangebyscore(log, "-inf", now - MESSAGE_LOG_TTL_MS)
        .pexpire(log, MESSAGE_LOG_TTL_MS)
        .exec();
    },
  };
}

/**
 * The ingress's `beforeApply` hook for Telegram: records an incoming message's id when its entry is
 * applied, before the engine sees it, so a /wipe (applied in order, later) always finds its own message.
 * A replay after a crash records it again; reading dedupes.
 */
export function incomingIdRecorder(
  writer: MessageLogWriter,
): (sender: string, inbound: Inbound) => Promise<void> {
  return async (sender, inbound) => {
    if (inbound.channel !== "telegram" || inbound.chatMessageId === undefined) return;
    await writer.recordIds(sender, [inbound.chatMessageId]);
  };
}

/** The public half of an outbound key ring, to seal with what the worker holds. */
export function publicKeyring(keyring: Keyring<BoxKeyPair>): Keyring<Uint8Array> {
  return {
    current: keyring.current,
    keys: new Map([...keyring.keys].map(([id, pair]) => [id, pair.publicKey] as const)),
  };
}

/**
 * The worker's message log: records the ids of messages it sent and resolves ids for a wipe. Holds the
 * outbound secret keyring of the work role (`keys.outbound`).
 */
export function createMessageLog(options: {
  redis: Redis;
  prefix: string;
  outbound: Keyring<BoxKeyPair>;
  clock?: () => number;
}): MessageLog {
  const clock = options.clock ?? Date.now;
  const writer = createMessageLogWriter({
    redis: options.redis,
    prefix: options.prefix,
    outbound: publicKeyring(options.outbound),
    clock,
  });

  async function read(key: string, sender: string): Promise<number[]> {
    const since = clock() - MESSAGE_LOG_TTL_MS;
    await options.redis.zremrangebyscore(key, "-inf", `(${since}`);
    const members = await options.redis.zrevrangebyscore(key, "+inf", since);
    const ids: number[] = [];
    for (const member of members) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(openOutbound(options.outbound, context(sender), member));
      } catch {
        continue; // Sealed under a retired key or tampered: nothing to do with it.
      }
      if (!Array.isArray(parsed)) continue;
      for (const id of [...parsed].reverse()) {
        if (typeof id === "number" && Number.isSafeInteger(id)) ids.push(id);
      }
    }
    return [...new Set(ids)].sort((a, b) => b - a);
  }

  return {
    recordIds: writer.recordIds,
    idsYoungerThan48h: (sender) => read(messageLogKeys(options.prefix, sender).log, sender),
    async takeForWipe(sender) {
      const keys = messageLogKeys(options.prefix, sender);
      await options.redis
        .multi()
        .zunionstore(keys.wiping, 2, keys.wiping, keys.log, "AGGREGATE", "MAX")
        .del(keys.log)
        .expire(keys.wiping, WIPE_HOLD_SEC)
        .exec();
      return read(keys.wiping, sender);
    },
    async finishWipe(sender) {
      await options.redis.del(messageLogKeys(options.prefix, sender).wiping);
    },
    async forget(sender) {
      const keys = messageLogKeys(options.prefix, sender);
      await options.redis.del(keys.log, keys.wiping);
    },
  };
}
