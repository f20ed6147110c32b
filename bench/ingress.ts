/**
 * S1, S4 (ingress half) and Redis memory: the ingress's accept path against a raw BullMQ add of a blob of
 * the same size, encrypted against an identity "sealing" (bench-only), Redis commands per inbound message,
 * and Redis bytes held by an active conversation mid-flow.
 */
import { randomBytes } from "node:crypto";
import { createIngressEngine } from "../bots/ingress/engine-adapter.js";
import { createIngress, type Ingress } from "../bots/ingress/ingress.js";
import type { IngressSealing } from "../bots/ingress/ports.js";
import { ingressKeys } from "../bots/ingress/redis-keys.js";
import { createIngressSealing } from "../bots/ingress/sealing.js";
import { bullPrefix, createQueues, type Queues } from "../queues/queues.js";
import type { ConversationState } from "../src/intake/index.js";
import type { Inbound } from "../src/intake/messages.js";
import { createLogger } from "../src/log/index.js";
import { closeRedis, createRedis } from "../src/redis/connect.js";
import { type BenchResult, compareRounds, figure, median, pool, type Section } from "./lib.js";
import { benchKeys, onCleanup, parseCommandStats, privateRedis } from "./support.js";

const SECTION_S1 = "S1 ingress";
const SECTION_S4 = "S4 crypto cost";
const SECTION_MEM = "memory";
// Rounds long enough (~50 ms for a raw add at 30k/s) that timer and GC noise stay small against them.
const PER_ROUND = 1500;
const CONCURRENCY = 32;

/**
 * Bench-only: the same port with no encryption, to price the crypto in the ingress's hot path. State and
 * inbox entries keep the envelope's text shape (header + base64url of the plaintext), so they take the same
 * storage path as real envelopes.
 */
export function identitySealing(real: IngressSealing): IngressSealing {
  const header = "v1.state.plain.";
  return {
    encrypt: (plaintext) => header + Buffer.from(plaintext).toString("base64url"),
    decrypt: (ciphertext) => Buffer.from(ciphertext.slice(header.length), "base64url").toString(),
    sealIntake: (plaintext) => plaintext,
    sealOutbound: (plaintext) => plaintext,
    hashProviderId: real.hashProviderId,
  };
}

let counter = 0;
function inbound(sender: string, text: string): Inbound {
  counter++;
  return {
    channel: "telegram",
    sender,
    address: String(7_000_000_000 + counter),
    providerId: `bench:${counter}:${randomBytes(4).toString("hex")}`,
    receivedAt: Date.now(),
    body: { kind: "text", text },
  };
}

const newSender = () => randomBytes(16).toString("base64url");

/** The first turns of the default flow, as a defender on a basic phone would answer them. */
const turns = ["hello", "1", "yes", "no", "Amina Example", "Kenya", "Nairobi, Kibera district", "Uganda"];

export const ingressSection: Section = {
  name: "ingress",
  async run(ctx) {
    const results: BenchResult[] = [];
    const redisInfo = await privateRedis();
    const keys = await benchKeys();
    const log = createLogger({ level: "silent" });
    const redis = createRedis(redisInfo.url, "app", "bench");
    const bull = createRedis(redisInfo.url, "bullmq", "bench");
    onCleanup(() => closeRedis(redis));
    onCleanup(() => closeRedis(bull));
    const prefix = "bench";
    const queues: Queues = createQueues(bull, prefix);
    onCleanup(() => queues.close());
    const realSealing = createIngressSealing(keys.serve);
    const make = (sealing: IngressSealing): Ingress =>
      createIngress<ConversationState>({
        redis,
        prefix,
        queues,
        sealing,
        engine: createIngressEngine({ ttlMs: 72 * 3600_000 }),
        log,
        conversationTtlMs: 72 * 3600_000,
        limits: { perSenderPerMinute: 10_000, intakesPerSenderPerDay: 10_000, globalPerSecond: 1_000_000 },
      });
    const encrypted = make(realSealing);
    const plaintext = make(identitySealing(realSealing));
    const blobSize = realSealing.encrypt(JSON.stringify(inbound(newSender(), "hello")), "inbox:x").length;
    const blob = "x".repeat(blobSize);

    /** One round of raw adds: a job of the same size as an inbox entry. */
    const rawAdd = async () => {
      const items = Array.from({ length: PER_ROUND }, (_, i) => i);
      const start = performance.now();
      await pool(items, CONCURRENCY, () => queues["outbound-sms"].add("send", { blob } as never));
      const ops = (PER_ROUND * 1000) / (performance.now() - start);
      await queues["outbound-sms"].obliterate({ force: true });
      return ops;
    };
    /** One round of first messages from new senders: accepted (acknowledged), then applied. */
    const acceptRound = (ingress: Ingress, until: "ack" | "applied") => async () => {
      const senders = Array.from({ length: PER_ROUND }, newSender);
      const start = performance.now();
      await pool(senders, CONCURRENCY, (s) => ingress.accept(inbound(s, "hello")));
      const ackMs = performance.now() - start;
      await ingress.idle();
      const allMs = performance.now() - start;
      await queues["outbound-telegram"].obliterate({ force: true });
      return (PER_ROUND * 1000) / (until === "ack" ? ackMs : allMs);
    };

    /**
     * The acknowledgement path alone: the bench holds each new sender's conversation lock, so `accept`
     * stores the entry and its drain finds the lock taken and leaves at once; the bench applies the entries
     * after timing, as the lock holder would.
     */
    const deferredRound = (ingress: Ingress) => async () => {
      const senders = Array.from({ length: PER_ROUND }, newSender);
      const k = ingressKeys(prefix);
      await pool(senders, CONCURRENCY, (s) => redis.set(k.lock(s), "bench", "PX", 60_000));
      const start = performance.now();
      await pool(senders, CONCURRENCY, (s) => ingress.accept(inbound(s, "hello")));
      const ackMs = performance.now() - start;
      await pool(senders, CONCURRENCY, (s) => redis.del(k.lock(s)));
      await ingress.idle();
      await pool(senders, CONCURRENCY, (s) => ingress.drain(s));
      await queues["outbound-telegram"].obliterate({ force: true });
      return (PER_ROUND * 1000) / ackMs;
    };
    const deferred = await compareRounds(
      ctx,
      SECTION_S1,
      "accept with apply deferred vs raw add",
      rawAdd,
      deferredRound(encrypted),
      { a: "raw add", b: "accept only" },
    );
    results.push(
      { ...deferred.ratio, note: "validate, encrypt, HMAC, one EVAL: the webhook's own cost" },
      deferred.b,
    );
    const deferredPlain = await compareRounds(
      ctx,
      SECTION_S4,
      "accept only, encrypted vs plaintext",
      deferredRound(plaintext),
      deferredRound(encrypted),
      { a: "plaintext", b: "encrypted" },
    );
    results.push(deferredPlain.ratio);
    const ack = await compareRounds(
      ctx,
      SECTION_S1,
      "accept (acknowledged) vs raw add",
      rawAdd,
      acceptRound(encrypted, "ack"),
      {
        a: "raw add",
        b: "accept",
      },
    );
    results.push(ack.ratio, ack.a, ack.b);
    const applied = await compareRounds(
      ctx,
      SECTION_S1,
      "accept + apply vs raw add",
      rawAdd,
      acceptRound(encrypted, "applied"),
      { a: "raw add", b: "accept+apply" },
    );
    results.push(
      { ...applied.ratio, note: "the apply (engine turn, reply job) runs after the 200" },
      applied.b,
    );

    // Redis commands per inbound message (INFO commandstats counts commands inside Lua scripts too).
    ctx.progress("commands per message", 0, 1);
    const perMessage: number[] = [];
    const scriptsPerMessage: number[] = [];
    let top = "";
    for (let r = 0; r < 3; r++) {
      await redis.config("RESETSTAT");
      const senders = Array.from({ length: 100 }, newSender);
      await pool(senders, CONCURRENCY, (s) => encrypted.accept(inbound(s, "hello")));
      await encrypted.idle();
      const stats = parseCommandStats(String(await redis.info("commandstats")));
      stats.delete("config");
      stats.delete("info");
      const total = [...stats.values()].reduce((a, b) => a + b, 0);
      perMessage.push(total / 100);
      scriptsPerMessage.push(((stats.get("eval") ?? 0) + (stats.get("evalsha") ?? 0)) / 100);
      top = [...stats.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${(v / 100).toFixed(1)}`)
        .join(", ");
      await queues["outbound-telegram"].obliterate({ force: true });
    }
    results.push(
      figure(
        SECTION_S1,
        "Redis commands per inbound (first message, incl. apply + reply job)",
        "count",
        perMessage,
        top,
      ),
      figure(SECTION_S1, "of which Lua script calls (eval/evalsha)", "count", scriptsPerMessage),
    );

    const s4 = await compareRounds(
      ctx,
      SECTION_S4,
      "ingress accept + apply, encrypted vs plaintext",
      acceptRound(plaintext, "applied"),
      acceptRound(encrypted, "applied"),
      { a: "plaintext", b: "encrypted" },
    );
    results.push(s4.ratio, s4.a, s4.b);

    // Memory: 20 conversations, 8 turns each (mid-flow, at the nationality question), reply jobs waiting.
    ctx.progress("Redis bytes per conversation", 0, 1);
    const senders = Array.from({ length: 20 }, newSender);
    for (const text of turns) {
      await pool(senders, CONCURRENCY, (s) => encrypted.accept(inbound(s, text)));
      await encrypted.idle();
    }
    const k = ingressKeys(prefix);
    // Shared sorted sets: their bytes per member. Every other ingress key is named by its sender.
    let sharedPerConversation = 0;
    for (const key of [k.pending, k.reminders]) {
      const members = await redis.zcard(key);
      if (members > 0) sharedPerConversation += Number((await redis.memory("USAGE", key)) ?? 0) / members;
    }
    const jobPrefix = `${bullPrefix(prefix)}:outbound-telegram`;
    const core: number[] = [];
    const withJobs: number[] = [];
    const stateBytes: number[] = [];
    const seenBytes: number[] = [];
    for (const s of senders) {
      let bytes = sharedPerConversation;
      for (const key of await redis.keys(`${prefix}:in:*:${s}*`)) {
        const used = Number((await redis.memory("USAGE", key)) ?? 0);
        if (key === k.state(s)) stateBytes.push(used);
        if (key === k.seen(s)) seenBytes.push(used);
        bytes += used;
      }
      core.push(bytes);
      let jobs = 0;
      for (const key of await redis.keys(`${jobPrefix}:o-${s}-*`))
        jobs += Number((await redis.memory("USAGE", key)) ?? 0);
      withJobs.push(bytes + jobs);
    }
    results.push(
      figure(
        SECTION_MEM,
        "Redis bytes per active conversation (ingress keys)",
        "bytes",
        core,
        `state ${Math.round(median(stateBytes))} B, seen ids (8) ${Math.round(median(seenBytes))} B, pending/reminders ${Math.round(sharedPerConversation)} B, counters the rest`,
      ),
      figure(
        SECTION_MEM,
        "… plus its 8 reply jobs while queued",
        "bytes",
        withJobs,
        "sealed outbound job hashes; removed once sent (a 15-min dedupe mark stays)",
      ),
    );
    await queues["outbound-telegram"].obliterate({ force: true });
    return results;
  },
};
