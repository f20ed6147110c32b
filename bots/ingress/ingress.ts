import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { enqueueForgetSender } from "../../queues/maintenance.js";
import { type OutboundMessage, outboundContext } from "../../queues/outbound-message.js";
import { blockedKey } from "../../queues/outbound-worker.js";
import { outboundQueueName } from "../../queues/payloads.js";
import { addOnce, type Queues } from "../../queues/queues.js";
import { ceilToMinute, compareSeq, floorToMinute, timeSeq } from "../../queues/sequence.js";
import type { Inbound, Reply } from "../../src/intake/messages.js";
import type { Log } from "../../src/log/index.js";
import type { ConversationRecord } from "./conversation-record.js";
import { createDrainQueue } from "./drain-queue.js";
import type { IngressEngine, IngressSealing } from "./ports.js";
import { ingressKeys } from "./redis-keys.js";
import { bindIngressScripts } from "./scripts.js";
import { fromStored, toStored } from "./stored-envelope.js";

export type AcceptResult = "accepted" | "duplicate" | "busy" | "limited";

export interface IngressOptions<S> {
  redis: Redis;
  prefix: string;
  queues: Pick<Queues, "screening" | "outbound-telegram" | "outbound-sms" | "maintenance">;
  sealing: IngressSealing;
  engine: IngressEngine<S>;
  log: Log;
  conversationTtlMs: number;
  limits: { perSenderPerMinute: number; intakesPerSenderPerDay: number; globalPerSecond: number };
  /** How long provider ids are remembered; Telegram and Twilio redeliver for well under this. */
  dedupeTtlSec?: number;
  /**
   * How many conversations this process applies at once in the background (default 8). More only adds
   * contention with the acknowledgements; accepted messages wait in Redis, not in memory.
   */
  applyConcurrency?: number;
  /**
   * Called with each decrypted message just before the engine sees it (Telegram records the chat message
   * id for /wipe here, off the acknowledgement path). Must be idempotent: a replay after a crash calls
   * it again.
   */
  beforeApply?: (sender: string, inbound: Inbound) => Promise<void>;
  /** Called after each applied entry (tests and metrics). */
  onApplied?: (sender: string, entryId: string) => void;
  clock?: () => number;
}

export interface Ingress {
  /**
   * Stores one verified inbound message durably (encrypted) and returns at once; applying it happens
   * right after, in the background. Safe to call from the webhook before acknowledging.
   */
  accept(inbound: Inbound): Promise<AcceptResult>;
  /** Applies every pending entry of one conversation, in order, once. Resolves when done. */
  drain(sender: string): Promise<void>;
  /** Recovers conversations whose entries were accepted but not applied (a crashed process), and sends reminders. */
  sweep(): Promise<{ recovered: number; reminded: number }>;
  /** Waits for background drains to finish (shutdown, tests). */
  idle(): Promise<void>;
}

const LOCK_MS = 30_000;
const BATCH = 20;

/**
 * The sequence of an inbox entry: its stream id, or just after the last applied one when the id is not
 * later (an inbox is deleted once empty, so its ids restart from Redis's clock, which can step back).
 * Every inbox entry is unapplied (applying deletes it atomically with the state save), so none is skipped;
 * sequences stay increasing for the sender worker's ordering, and a replay after a crash gets the same one.
 */
export function entrySeq(lastApplied: string | undefined, entryId: string): string {
  if (lastApplied === undefined || compareSeq(entryId, lastApplied) > 0) return entryId;
  const [ms, n] = lastApplied.split("-");
  return `${ms}-${Number(n ?? 0) + 1}`;
}

/** Redis returns stream entries flattened by `intakeBegin`: id, fields, id, fields, ... */
function pairs(flat: unknown[]): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push([String(flat[i]), (flat[i + 1] as unknown[]).map(String)]);
  }
  return out;
}

/**
 * The channel-neutral ingress: dedupe, per-conversation inbox, one-at-a-time application in arrival order,
 * encrypted state, rate limits, and the jobs each turn produces. Nothing it writes to Redis or BullMQ is
 * readable without the state or outbound/intake secret keys.
 */
export function createIngress<S>(options: IngressOptions<S>): Ingress {
  const { redis, sealing, engine, log, queues } = options;
  const keys = ingressKeys(options.prefix);
  const clock = options.clock ?? Date.now;
  const dedupeTtlSec = options.dedupeTtlSec ?? 72 * 3600;
  const ttlSec = Math.ceil(options.conversationTtlMs / 1000);
  const scripts = bindIngressScripts(redis);
  const encryptJson = (value: unknown, context: string) => sealing.encrypt(JSON.stringify(value), context);
  const decryptJson = <T>(ciphertext: string, context: string): T =>
    JSON.parse(sealing.decrypt(ciphertext, context)) as T;

  async function loadRecord(sender: string): Promise<ConversationRecord<S> | undefined> {
    const stored = await redis.getBuffer(keys.state(sender));
    return stored ? decryptJson<ConversationRecord<S>>(fromStored(stored), `state:${sender}`) : undefined;
  }

  async function enqueueReplies(
    sender: string,
    inbound: Inbound,
    replies: Reply[],
    seq: string,
    after?: string,
    leaveNothing = false,
  ) {
    if (replies.length === 0) return;
    const message: OutboundMessage = {
      kind: "replies",
      channel: inbound.channel,
      address: inbound.address,
      replies,
    };
    await enqueueOutbound(sender, inbound.channel, message, seq, after, leaveNothing);
  }

  async function enqueueOutbound(
    sender: string,
    channel: Inbound["channel"],
    message: OutboundMessage,
    seq: string,
    after?: string,
    leaveNothing = false,
  ) {
    const sealed = sealing.sealOutbound(JSON.stringify(message), outboundContext(sender, seq));
    const data = { v: 1 as const, channel, recipient: sender, sealed, seq, ...(after ? { after } : {}) };
    // Deterministic job id: replaying the same entry after a crash adds nothing. The reply confirming a
    // delete names the sender after the delete has swept their jobs: it leaves no replay mark either (row 25).
    await queues[outboundQueueName(channel)].add(
      "send",
      data,
      leaveNothing ? { jobId: `o-${sender}-${seq}` } : addOnce(`o-${sender}-${seq}`),
    );
  }

  async function applyEntry(
    sender: string,
    record: ConversationRecord<S> | undefined,
    seq: string,
    fields: Record<string, string>,
  ): Promise<ConversationRecord<S>> {
    const base: ConversationRecord<S> = record ?? {
      v: 1,
      engine: null,
      lastEntryId: "0-0",
      lastActivityAt: clock(),
    };
    if (fields.k === "limited") {
      const notice = engine.limitedNotice(engine.langOf(base.engine ?? undefined));
      const last = await lastInboundAddress(base);
      if (last) await enqueueReplies(sender, last, [notice], seq, base.lastOutSeq);
      return { ...base, lastEntryId: seq, lastOutSeq: last ? seq : base.lastOutSeq };
    }
    const inbound = decryptJson<Inbound>(fields.e ?? "", `inbox:${sender}`);
    await options.beforeApply?.(sender, inbound);
    let current = base.engine ?? undefined;

    if (current === undefined && inbound.body.kind !== "command") {
      // A new conversation: count it against the sender's daily allowance.
      const day = new Date(inbound.receivedAt).toISOString().slice(0, 10);
      const started = await redis.incr(keys.intakesToday(sender, day));
      if (started === 1) await redis.expire(keys.intakesToday(sender, day), 26 * 3600);
      if (started > options.limits.intakesPerSenderPerDay) {
        await enqueueReplies(
          sender,
          inbound,
          [engine.limitedNotice(engine.langOf(undefined))],
          seq,
          base.lastOutSeq,
        );
        return { ...base, lastEntryId: seq, lastOutSeq: seq, lastActivityAt: inbound.receivedAt };
      }
    }

    let outcome: ReturnType<IngressEngine<S>["step"]>;
    try {
      outcome = engine.step(current, inbound, inbound.receivedAt);
    } catch (err) {
      // A bug must not wedge the conversation: skip the entry, log without content.
      log.error("ingress.step_failed", { channel: inbound.channel, err: err as Error });
      return { ...base, lastEntryId: seq, lastActivityAt: inbound.receivedAt };
    }

    let lastOutSeq = base.lastOutSeq;
    for (const effect of outcome.effects) {
      if (effect.type === "complete") {
        const intakeId = effect.intake.intakeId;
        const sealed = sealing.sealIntake(JSON.stringify(effect.intake), intakeId);
        await queues.screening.add("screen", { v: 1, intakeId, sealed }, addOnce(`i-${intakeId}`));
        log.info("intake.submitted", { channel: inbound.channel });
      } else if (effect.type === "erase") {
        // The conversation state goes with the null state below; a request already submitted by this
        // sender is marked for crypto-shredding by the maintenance worker.
        await enqueueForgetSender(queues.maintenance, sender, seq);
      } else if (effect.type === "opt-out") {
        await redis.set(keys.optOut(sender), "1");
      } else if (effect.type === "opt-in") {
        // START also lifts a block the provider reported (Twilio 21610) before they re-subscribed.
        await redis.del(keys.optOut(sender), blockedKey(options.prefix, sender));
      } else if (effect.type === "wipe-chat" && inbound.channel === "telegram") {
        const confirm = outcome.replies[0];
        if (confirm) {
          const message: OutboundMessage = {
            kind: "wipe",
            channel: "telegram",
            address: inbound.address,
            confirm,
          };
          await enqueueOutbound(sender, "telegram", message, seq, lastOutSeq);
          lastOutSeq = seq;
        }
      }
    }
    const wiped = outcome.effects.some((e) => e.type === "wipe-chat") && inbound.channel === "telegram";
    const erased = outcome.effects.some((e) => e.type === "erase");
    if (!wiped && outcome.replies.length > 0) {
      await enqueueReplies(sender, inbound, outcome.replies, seq, lastOutSeq, erased);
      lastOutSeq = seq;
    }
    current = outcome.state ?? undefined;
    return {
      v: 1,
      engine: current ?? null,
      lastEntryId: seq,
      ...(lastOutSeq ? { lastOutSeq } : {}),
      lastActivityAt: inbound.receivedAt,
    };
  }

  /** The reply address of a conversation, for notices that are not answers to a decrypted entry. */
  async function lastInboundAddress(record: ConversationRecord<S>): Promise<Inbound | undefined> {
    const state = record.engine as { replyAddress?: string; channel?: Inbound["channel"] } | null;
    if (!state?.replyAddress || !state.channel) return undefined;
    return {
      channel: state.channel,
      address: state.replyAddress,
      sender: "",
      providerId: "",
      receivedAt: clock(),
      body: { kind: "text", text: "" },
    };
  }

  /**
   * Applies `sender`'s inbox while holding its lock. Returns without waiting when another process holds
   * the lock: that process checks the inbox again atomically before letting go (`intakeFinish`), so the
   * entry we just accepted is applied by it.
   */
  async function drain(sender: string): Promise<void> {
    const token = randomBytes(12).toString("base64url");
    const lockKey = keys.lock(sender);
    const inboxKey = keys.inbox(sender);
    const begun = (await scripts.intakeBeginBuffer(
      lockKey,
      keys.state(sender),
      inboxKey,
      token,
      LOCK_MS,
      BATCH,
    )) as unknown[];
    if (begun[0] !== 1) return;
    let released = false;
    try {
      const stored = begun[1];
      let record = Buffer.isBuffer(stored)
        ? decryptJson<ConversationRecord<S>>(fromStored(stored), `state:${sender}`)
        : undefined;
      let entries = pairs(begun.slice(2));
      for (;;) {
        for (const [entryId, flat] of entries) {
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
          const next = await applyEntry(sender, record, entrySeq(record?.lastEntryId, entryId), fields);
          const saved = await scripts.intakeSaveState(
            lockKey,
            keys.state(sender),
            inboxKey,
            keys.reminders,
            token,
            toStored(encryptJson(next, `state:${sender}`)),
            ttlSec,
            entryId,
            LOCK_MS,
            reminderAt(next),
            sender,
          );
          if (saved !== 1) {
            log.warn("ingress.lock_lost");
            released = true;
            return;
          }
          record = next;
          options.onApplied?.(sender, entryId);
        }
        if (entries.length < BATCH) {
          const left = Number(
            await scripts.intakeFinish(lockKey, inboxKey, keys.pending, token, sender, "0"),
          );
          if (left <= 0) {
            released = true;
            return;
          }
        }
        entries = (await redis.xrange(inboxKey, "-", "+", "COUNT", BATCH)) as Array<[string, string[]]>;
      }
    } finally {
      if (!released) await scripts.intakeRelease(lockKey, token);
    }
  }

  /**
   * Remind once, a quarter of the TTL before the conversation lapses; "" when there is nothing to remind.
   * Stored as a score in the clear, so rounded up to the minute (security row 31).
   */
  function reminderAt(record: ConversationRecord<S>): number | "" {
    if (record.engine === null) return "";
    return ceilToMinute(record.lastActivityAt + Math.round(options.conversationTtlMs * 0.75));
  }

  /**
   * After the lookup key moved to a new epoch, a conversation begun before continues under the hash it started
   * with (its state is bound to that hash); everything else uses the current one. One EXISTS per message, and
   * only while the keyring still holds a previous epoch's key.
   */
  async function continuingSender(inbound: Inbound): Promise<Inbound> {
    const { previousSenders: previous = [], ...rest } = inbound;
    if (previous.length === 0) return rest;
    if ((await redis.exists(keys.state(rest.sender))) === 1) return rest;
    for (const sender of previous) {
      if ((await redis.exists(keys.state(sender))) === 1) return { ...rest, sender };
    }
    return rest;
  }

  const background = createDrainQueue({
    concurrency: options.applyConcurrency ?? 8,
    run: drain,
    onError: (err) => log.error("ingress.drain_failed", { err: err as Error }),
  });

  return {
    async accept(received) {
      const inbound = await continuingSender(received);
      const now = clock();
      const window = Math.floor(now / 60_000);
      const providerHash = sealing.hashProviderId(inbound.channel, inbound.providerId);
      const ciphertext = encryptJson(inbound, `inbox:${inbound.sender}`);
      const [status] = (await scripts.intakeAccept(
        keys.seen(inbound.sender),
        keys.inbox(inbound.sender),
        keys.pending,
        keys.rate(inbound.sender, window),
        keys.limitedNotified(inbound.sender, window),
        keys.global(Math.floor(now / 1000)),
        providerHash,
        dedupeTtlSec,
        ciphertext,
        now,
        inbound.sender,
        options.limits.perSenderPerMinute,
        60,
        options.limits.globalPerSecond,
        ttlSec,
        floorToMinute(now),
      )) as [string, string];
      if (status === "accepted" || status === "limited-first") {
        background.schedule(inbound.sender);
        return status === "accepted" ? "accepted" : "limited";
      }
      if (status === "limited") log.warn("ingress.sender_limited", { channel: inbound.channel });
      return status as AcceptResult;
    },

    drain,

    async sweep() {
      const now = clock();
      let recovered = 0;
      const stale = await redis.zrangebyscore(keys.pending, "-inf", now - 5_000, "LIMIT", 0, 100);
      for (const sender of stale) {
        await drain(sender);
        recovered++;
      }
      let reminded = 0;
      const due = await redis.zrangebyscore(keys.reminders, "-inf", now, "LIMIT", 0, 100);
      for (const sender of due) {
        const token = randomBytes(12).toString("base64url");
        if ((await redis.set(keys.lock(sender), token, "PX", LOCK_MS, "NX")) !== "OK") continue;
        try {
          const record = await loadRecord(sender);
          await redis.zrem(keys.reminders, sender);
          if (!record?.engine) continue;
          const replies = engine.reminder(record.engine, now);
          const to = await lastInboundAddress(record);
          if (!replies || !to) continue;
          // Stream-id shaped, after any entry of the same millisecond, so ordering compares it like an entry.
          const seq = timeSeq(now);
          await enqueueReplies(sender, to, replies, seq, record.lastOutSeq);
          const next: ConversationRecord<S> = {
            ...record,
            engine: engine.reminded(record.engine, now),
            lastOutSeq: seq,
          };
          const remainingMs = Math.max(1000, record.lastActivityAt + options.conversationTtlMs - now);
          await scripts.intakeSaveState(
            keys.lock(sender),
            keys.state(sender),
            keys.inbox(sender),
            keys.reminders,
            token,
            toStored(encryptJson(next, `state:${sender}`)),
            Math.ceil(remainingMs / 1000),
            "",
            LOCK_MS,
            "",
            sender,
          );
          reminded++;
        } finally {
          // Messages that arrived while we held the lock found it taken and left them to us.
          const left = await scripts.intakeFinish(
            keys.lock(sender),
            keys.inbox(sender),
            keys.pending,
            token,
            sender,
            "1",
          );
          if (Number(left) > 0) background.schedule(sender);
        }
      }
      if (recovered + reminded > 0) log.info("ingress.swept", { recovered, reminded });
      return { recovered, reminded };
    },

    idle: () => background.idle(),
  };
}
