import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ingressKeys } from "../../bots/ingress/redis-keys.js";
import { fromStored } from "../../bots/ingress/stored-envelope.js";
import { type OutboundMessage, outboundContext } from "../../queues/outbound-message.js";
import { type OutboundJob, outboundQueueName } from "../../queues/payloads.js";
import { createQueues } from "../../queues/queues.js";
import { timeSeq } from "../../queues/sequence.js";
import { enqueueStaffReply } from "../../queues/staff-reply-guard.js";
import {
  decryptState,
  lookupHash,
  openIntake,
  openOutbound,
  sealIntake,
  sealOutbound,
} from "../../src/crypto/index.js";
import { dumpRedis, phoneForms } from "../support/canary.js";
import { canaryAnswers, defaultAnswers } from "../support/ingress-driver.js";
import { startPipeline } from "../support/pipeline.js";
import { completeIntakeThrough, waitUntil } from "../support/pipeline-intake.js";

/**
 * Security row 24: a seized host yields no completed intake and no reply content beyond what is in flight.
 * Intakes over both channels, staff replies and two injected failures run through the whole service; then
 * Redis is read in full (every key, every type) and everything in it is opened with every key file of the
 * host. Nothing of a finished intake or reply may come out, and no finished job may keep its payload.
 */
const pipeline = await startPipeline();
const { keys, telegram, twilio } = pipeline;
const bull = new Redis(pipeline.redis.url, { maxRetriesPerRequest: null });
const queues = createQueues(bull, pipeline.prefix);
afterAll(async () => {
  await queues.close();
  bull.disconnect();
});

const tag = randomBytes(4).toString("hex");
const tgUsers = [5_550_002_101, 5_550_002_102];
const inProgressUser = 5_550_002_103;
const phone = "+254711222444";
const canaries = [canaryAnswers(`tg1-${tag}`), canaryAnswers(`tg2-${tag}`), canaryAnswers(`sms-${tag}`)];
const replyCanary = `Canaryreply ${tag} we will call at nine`;
const failedCanary = canaryAnswers(`failed-${tag}`);

function needles(): string[] {
  const clear = [
    ...canaries.flatMap((c) => Object.values(c)),
    ...Object.values(failedCanary),
    replyCanary,
    ...phoneForms(phone),
    ...tgUsers.map(String),
  ];
  return clear.flatMap((c) => [c, Buffer.from(c).toString("base64"), Buffer.from(c).toString("base64url")]);
}

async function requests() {
  const client = await pipeline.mongo.client();
  return client.db(pipeline.mongo.dbName).collection("requests").find({}).toArray();
}

async function busy(): Promise<number> {
  let n = 0;
  for (const name of ["screening", "outbound-telegram", "outbound-sms"] as const) {
    const counts = await queues[name].getJobCounts("waiting", "active", "delayed", "prioritized");
    n += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return n;
}

/** Every key under the prefix with its type, and the hashes BullMQ keeps per job. */
async function scan(redis: Redis, prefix: string) {
  const keysFound: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    keysFound.push(...batch);
  } while (cursor !== "0");
  return keysFound;
}

describe("a seized Redis holds nothing of finished intakes and replies", () => {
  it("runs intakes, staff replies and injected failures, then opens everything in Redis with every key", async () => {
    const tgSenders = tgUsers.map((u) => lookupHash(keys.serve.lookup, "telegram", String(u)));
    const smsSender = lookupHash(keys.serve.lookup, "phone", phone);
    await Promise.all([
      ...tgUsers.map((user, i) =>
        completeIntakeThrough(
          pipeline,
          async (text) => {
            expect((await telegram.userSends(user, text)).status).toBe(200);
          },
          tgSenders[i] as string,
          defaultAnswers(canaries[i] as ReturnType<typeof canaryAnswers>),
        ),
      ),
      completeIntakeThrough(
        pipeline,
        async (text) => {
          expect((await twilio.smsFromUser(phone, text)).status).toBe(200);
        },
        smsSender,
        defaultAnswers(canaries[2] as ReturnType<typeof canaryAnswers>),
      ),
    ]);
    await waitUntil("three requests", async () => (await requests()).length === 3, 30_000);

    // Staff reply to each request, sealed as the browser seals it, queued as the console queues it.
    for (const r of await requests()) {
      const channel = r.channel as "telegram" | "sms";
      const address = channel === "sms" ? phone : String(tgUsers[tgSenders.indexOf(r.senderHash)]);
      const seq = timeSeq(Date.now(), 1);
      const message: OutboundMessage = {
        kind: "replies",
        channel,
        address,
        replies: [{ text: replyCanary, lang: "en" }],
      };
      await enqueueStaffReply(queues, {
        requestId: String(r._id),
        staffId: `s${tag}`,
        channel,
        recipient: r.senderHash,
        seq,
        sealed: sealOutbound(
          keys.serve.outbound,
          outboundContext(r.senderHash, seq),
          JSON.stringify(message),
        ),
      });
    }
    await waitUntil(
      "the staff replies to arrive",
      () =>
        tgUsers.every((u) => telegram.messagesTo(u).some((m) => m.text === replyCanary)) &&
        twilio.messagesTo(phone).some((m) => m.resource.body === replyCanary),
      30_000,
    );

    // One conversation left in progress (its state, inbox ids, reminder and seen ids stay in Redis).
    const midway = lookupHash(keys.serve.lookup, "telegram", String(inProgressUser));
    expect((await telegram.userSends(inProgressUser, "hello")).status).toBe(200);
    await waitUntil("the conversation in progress", async () => {
      const redis = pipeline.redis.redis();
      return (await redis.zscore(ingressKeys(pipeline.prefix).reminders, midway)) !== null;
    });

    // Injected failures: a truncated sealed intake, and an outbound job sealed for another recipient.
    const failedId = `f${randomBytes(8).toString("hex")}`;
    const sealed = sealIntake(keys.serve.intake, failedId, JSON.stringify({ answers: failedCanary }));
    await queues.screening.add("screen", { v: 1, intakeId: failedId, sealed: sealed.slice(0, -10) });
    const badSeq = timeSeq(Date.now(), 2);
    const bad: OutboundJob = {
      v: 1,
      channel: "telegram",
      recipient: tgSenders[0] as string,
      seq: badSeq,
      sealed: sealOutbound(
        keys.serve.outbound,
        outboundContext("someone-else", badSeq),
        JSON.stringify({
          kind: "replies",
          channel: "telegram",
          address: String(tgUsers[0]),
          replies: [{ text: replyCanary, lang: "en" }],
        }),
      ),
    };
    await queues[outboundQueueName("telegram")].add("send", bad);
    await new Promise((r) => setTimeout(r, 300));
    await waitUntil("every job to finish", async () => (await busy()) === 0, 30_000);

    const redis = pipeline.redis.redis();
    const bullPrefix = `${pipeline.prefix}:bull:`;
    const all = await scan(redis, pipeline.prefix);

    // No finished job keeps its payload: no job hash is left in the screening and outbound queues.
    const jobHashes: string[] = [];
    for (const key of all) {
      if (!key.startsWith(bullPrefix) || key.startsWith(`${bullPrefix}maintenance:`)) continue;
      if ((await redis.type(key)) === "hash" && (await redis.hexists(key, "data"))) jobHashes.push(key);
    }
    expect(jobHashes).toEqual([]);

    // Open everything: every envelope with every context Redis or MongoDB names, every state and inbox
    // entry with the state key.
    const dump = await dumpRedis(redis, pipeline.prefix);
    expect(dump).not.toMatch(/v1\.intake\./);
    const tokens = dump.match(/v1\.(?:intake|outbound)\.[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]+/g) ?? [];
    const senders = new Set<string>([...tgSenders, smsSender]);
    for (const key of all) {
      const m = /:(?:state|inbox|seen|msglog|msgwipe|done|blocked|optout):([A-Za-z0-9_-]{16,128})$/.exec(key);
      if (m?.[1]) senders.add(m[1]);
    }
    const intakeIds = [failedId, ...(await requests()).map((r) => String(r.intakeId))];
    const seqs = new Set<string>();
    for (const s of dump.matchAll(/\d{13}-\d{1,6}/g)) seqs.add(s[0]);
    const opened: string[] = [];
    const tryOpen = (f: () => string) => {
      try {
        opened.push(f());
      } catch {
        // not for this key or context
      }
    };
    for (const token of tokens) {
      if (token.startsWith("v1.intake.")) {
        for (const id of intakeIds) tryOpen(() => openIntake(keys.work.intake, id, token));
        continue;
      }
      for (const sender of senders) {
        tryOpen(() => openOutbound(keys.work.outbound, `tg-msglog:${sender}`, token));
        for (const seq of seqs) {
          tryOpen(() => openOutbound(keys.work.outbound, outboundContext(sender, seq), token));
        }
      }
    }
    const inKeys = ingressKeys(pipeline.prefix);
    for (const sender of senders) {
      const state = await redis.getBuffer(inKeys.state(sender));
      if (state) tryOpen(() => decryptState(keys.serve.state, `state:${sender}`, fromStored(state)));
      for (const [, fields] of await redis.xrange(inKeys.inbox(sender), "-", "+")) {
        const e = fields[fields.indexOf("e") + 1];
        if (e) tryOpen(() => decryptState(keys.serve.state, `inbox:${sender}`, e));
      }
    }
    const plain = opened.join("\n");
    expect(plain).not.toContain('"replies"');
    for (const needle of needles()) {
      expect(dump, "Redis in clear").not.toContain(needle);
      expect(plain, "Redis opened with the host's keys").not.toContain(needle);
    }
  }, 180_000);

  it("holds no millisecond time in any key, value, score or stream id, except the documented ones", async () => {
    const redis = pipeline.redis.redis();
    // docs/security.md, "Times in Redis": BullMQ's own event stream and scheduler (maintenance), and the
    // pacing clocks (one per channel, and a provider's retry_after per recipient for seconds), and each
    // worker's stalled-check mark (its own clock, for its stalled interval).
    const exempt = [
      /:bull:[^:]+:events$/,
      /:bull:maintenance:/,
      /:bull:[^:]+:stalled-check$/,
      /:pace:/,
      /:pause:/,
    ];
    const now = Date.now();
    const found: string[] = [];
    const check = (key: string, text: string) => {
      for (const m of text.matchAll(/(?<!\d)\d{13}(?!\d)/g)) {
        const ms = Number(m[0]);
        if (Math.abs(ms - now) < 30 * 24 * 3600_000 && ms % 60_000 !== 0) found.push(`${key}: ${m[0]}`);
      }
    };
    for (const key of await scan(redis, pipeline.prefix)) {
      if (exempt.some((e) => e.test(key))) continue;
      check(key, key);
      const type = await redis.type(key);
      if (type === "string") check(key, ((await redis.getBuffer(key)) ?? Buffer.alloc(0)).toString("latin1"));
      else if (type === "hash") check(key, JSON.stringify(await redis.hgetall(key)));
      else if (type === "list") check(key, JSON.stringify(await redis.lrange(key, "0", "-1")));
      else if (type === "set") check(key, JSON.stringify(await redis.smembers(key)));
      else if (type === "zset") check(key, JSON.stringify(await redis.zrange(key, "0", "-1", "WITHSCORES")));
      else if (type === "stream") check(key, JSON.stringify(await redis.xrange(key, "-", "+")));
    }
    expect(found).toEqual([]);
  });
});
