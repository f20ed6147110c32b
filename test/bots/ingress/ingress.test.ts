import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngressEngine } from "../../../bots/ingress/engine-adapter.js";
import { createIngress, entrySeq, type IngressOptions } from "../../../bots/ingress/ingress.js";
import type { IngressSealing } from "../../../bots/ingress/ports.js";
import { ingressKeys } from "../../../bots/ingress/redis-keys.js";
import { createIngressSealing } from "../../../bots/ingress/sealing.js";
import { createQueues, type Queues } from "../../../queues/queues.js";
import { compareSeq } from "../../../queues/sequence.js";
import { lookupHash, openIntake } from "../../../src/crypto/index.js";
import type { ConversationState } from "../../../src/intake/index.js";
import { createLogger } from "../../../src/log/index.js";
import { createRedis } from "../../../src/redis/connect.js";
import { dumpRedis, phoneForms } from "../../support/canary.js";
import { canaryAnswers, createIngressDriver, defaultAnswers } from "../../support/ingress-driver.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";

const env = useTestRedis();
const keys = await makeTestKeys();
const log = createLogger({ level: "silent" });
const redis = createRedis(env.url, "app", "test");
const bull = createRedis(env.url, "bullmq", "test");
let queues: Queues;

const limits = { perSenderPerMinute: 1000, intakesPerSenderPerDay: 100, globalPerSecond: 100_000 };

function makeIngress(overrides: Partial<IngressOptions<ConversationState>> = {}) {
  return createIngress<ConversationState>({
    redis,
    prefix: env.prefix,
    queues,
    sealing: createIngressSealing(keys.serve),
    engine: createIngressEngine({ ttlMs: 72 * 3600_000 }),
    log,
    conversationTtlMs: 72 * 3600_000,
    limits,
    ...overrides,
  });
}

/** An SMS sender (a new one unless given) and a driver that talks to `ingress` as them. */
function smsConversation(ingress: ReturnType<typeof makeIngress>, who = newSender()) {
  const { phone, sender } = who;
  const driver = createIngressDriver({
    ingress,
    redis,
    prefix: env.prefix,
    queues,
    keys,
    channel: "sms",
    sender,
    address: phone,
  });
  return { phone, sender, driver };
}

function newSender() {
  const phone = `+2547${randomBytes(4).readUInt32BE(0).toString().padStart(8, "0").slice(0, 8)}`;
  return { phone, sender: lookupHash(keys.serve.lookup, "phone", phone) };
}

beforeAll(() => {
  queues = createQueues(bull, env.prefix);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
  await bull.quit();
});

describe("ingress", () => {
  it("takes a defender through the whole default flow to exactly one sealed screening job, with nothing readable in Redis", async () => {
    const ingress = makeIngress();
    const { phone, sender, driver } = smsConversation(ingress);
    const canaries = canaryAnswers("full");
    await driver.completeFlow(defaultAnswers(canaries));

    const jobs = (await queues.screening.getJobs(["waiting"])).filter((j) => {
      const intake = JSON.parse(openIntake(keys.work.intake, j.data.intakeId, j.data.sealed)) as {
        sender: string;
      };
      return intake.sender === sender;
    });
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    if (!job) throw new Error("no job");
    expect(job.id).toBe(`i-${job.data.intakeId}`);
    const intake = JSON.parse(openIntake(keys.work.intake, job.data.intakeId, job.data.sealed)) as {
      reference: string;
      replyAddress: string;
      answers: Record<string, unknown>;
    };
    expect(intake.replyAddress).toBe(phone);
    expect(intake.answers.name).toBe(canaries.name);
    expect(intake.answers.contact_details).toBe(canaries.contact_details);
    // The ingress holds only the intake PUBLIC key: nothing it loaded opens the job.
    expect(() => openIntake({ current: "x", keys: new Map() }, job.data.intakeId, job.data.sealed)).toThrow();

    const last = (await driver.lastReplies()).map((r) => r.text).join("\n");
    expect(last).toContain(intake.reference);
    expect(intake.reference).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

    const dump = await dumpRedis(env.redis(), env.prefix);
    for (const value of [...Object.values(canaries), ...phoneForms(phone)]) {
      expect(dump).not.toContain(value);
    }
    expect(JSON.stringify(job.data)).not.toContain(canaries.name);
  });

  it("applies 20 concurrent messages of one conversation through two ingress instances once each, in arrival order", async () => {
    const applied: string[] = [];
    const onApplied = (_sender: string, entryId: string) => {
      applied.push(entryId);
    };
    const a = makeIngress({ onApplied });
    const b = makeIngress({ onApplied });
    const { phone, sender } = newSender();
    const base = Date.now();
    const inbounds = Array.from({ length: 20 }, (_, i) => ({
      channel: "sms" as const,
      sender,
      address: phone,
      providerId: `SM-concurrent-${i}`,
      receivedAt: base + i,
      body: { kind: "text" as const, text: i === 0 ? "hello" : `answer ${i}` },
    }));
    const results = await Promise.all(inbounds.map((inbound, i) => (i % 2 === 0 ? a : b).accept(inbound)));
    expect(results.every((r) => r === "accepted")).toBe(true);
    // Redelivery of every message, through both instances: nothing more is applied.
    const again = await Promise.all(inbounds.map((inbound, i) => (i % 2 === 0 ? b : a).accept(inbound)));
    expect(again.every((r) => r === "duplicate")).toBe(true);
    await Promise.all([a.idle(), b.idle()]);

    const entryIds = (await env.redis().xlen(ingressKeys(env.prefix).inbox(sender))) === 0;
    expect(entryIds).toBe(true);
    expect(applied).toHaveLength(20);
    expect(new Set(applied).size).toBe(20);
    const sorted = [...applied].sort((x, y) => {
      const [xm, xs] = x.split("-").map(BigInt) as [bigint, bigint];
      const [ym, ys] = y.split("-").map(BigInt) as [bigint, bigint];
      return xm === ym ? (xs < ys ? -1 : xs > ys ? 1 : 0) : xm < ym ? -1 : 1;
    });
    expect(applied).toEqual(sorted);
  });

  it("loses no answer when a process crashes between producing replies and saving state", async () => {
    const { phone, sender } = newSender();
    let failSaves = false;
    const real = createIngressSealing(keys.serve);
    // Fault injection at the storage boundary: the crashed process can no longer write its state.
    const crashing: IngressSealing = {
      ...real,
      encrypt: (plaintext, context) => {
        if (failSaves && context.startsWith("state:")) throw new Error("process died");
        return real.encrypt(plaintext, context);
      },
    };
    const crashed = makeIngress({ sealing: crashing });
    const driverA = smsConversation(crashed, { phone, sender }).driver;
    await driverA.text("hello");
    await driverA.text("1"); // language: English
    const before = await driverA.state();
    failSaves = true;
    await driverA.text("yes"); // consent: accepted and acknowledged, then the process "dies"
    const repliesBefore = (await driverA.turns()).length;

    // A healthy process recovers the pending conversation later.
    const later = Date.now() + 60_000;
    const healthy = makeIngress({ clock: () => later });
    const recovered = await healthy.sweep();
    expect(recovered.recovered).toBeGreaterThanOrEqual(1);
    const driverB = smsConversation(healthy, { phone, sender }).driver;
    const after = await driverB.state();
    expect(before?.answers.consent).toBeUndefined();
    expect(after?.answers.consent).toBe(true);
    // The replayed turn produced the same job id: no duplicate message to the defender.
    expect((await driverB.turns()).length).toBe(repliesBefore);
  });

  it("caps a flooding sender and tells them once, while another sender is served normally", async () => {
    const ingress = makeIngress({ limits: { ...limits, perSenderPerMinute: 20 } });
    const flooder = newSender();
    const other = newSender();
    const now = Date.now();
    const results = [];
    for (let i = 0; i < 100; i++) {
      results.push(
        await ingress.accept({
          channel: "sms",
          sender: flooder.sender,
          address: flooder.phone,
          providerId: `SM-flood-${i}`,
          receivedAt: now + i,
          body: { kind: "text", text: "x" },
        }),
      );
    }
    const otherResult = await ingress.accept({
      channel: "sms",
      sender: other.sender,
      address: other.phone,
      providerId: "SM-other-1",
      receivedAt: now,
      body: { kind: "text", text: "hello" },
    });
    await ingress.idle();
    expect(results.filter((r) => r === "accepted")).toHaveLength(20);
    expect(results.filter((r) => r === "limited")).toHaveLength(80);
    expect(otherResult).toBe("accepted");
    const { driver } = smsConversation(ingress, flooder);
    const notices = (await driver.turns()).flatMap((t) =>
      t.message.kind === "replies" ? t.message.replies : [],
    );
    expect(notices.filter((r) => /very fast/.test(r.text))).toHaveLength(1);
  });

  it("lets an abandoned conversation expire: its state and inbox are gone from Redis", async () => {
    const ingress = makeIngress({ conversationTtlMs: 1000 });
    const { sender, driver } = smsConversation(ingress);
    await driver.text("hello");
    const k = ingressKeys(env.prefix);
    expect(await env.redis().exists(k.state(sender))).toBe(1);
    await new Promise((r) => setTimeout(r, 2200));
    expect(await env.redis().exists(k.state(sender), k.inbox(sender))).toBe(0);
  });

  it("erases the conversation when the defender confirms delete", async () => {
    const ingress = makeIngress();
    const { sender, driver } = smsConversation(ingress);
    const canaries = canaryAnswers("erase");
    await driver.text("hello");
    await driver.text("1");
    await driver.text("yes");
    await driver.text("no");
    await driver.text(canaries.name);
    expect((await driver.state())?.answers.name).toBe(canaries.name);
    await driver.send({ kind: "command", command: "delete" });
    await driver.text("yes");
    expect(await driver.state()).toBeNull();
    // Anything already submitted by this sender is handed to the maintenance worker for shredding.
    const forget = (await queues.maintenance.getJobs(["waiting"])).filter(
      (j) => j.data.task === "forget-sender" && j.data.sender === sender,
    );
    expect(forget).toHaveLength(1);
  });

  it("remembers a sender's provider ids in one sorted set: a redelivery is a duplicate until the window ends", async () => {
    let now = Date.now();
    const ingress = makeIngress({ dedupeTtlSec: 60, clock: () => now });
    const { phone, sender } = newSender();
    const message = (i: number) => ({
      channel: "sms" as const,
      sender,
      address: phone,
      providerId: `SM-seen-${i}`,
      receivedAt: now,
      body: { kind: "text" as const, text: i === 0 ? "hello" : "1" },
    });
    for (let i = 0; i < 5; i++) expect(await ingress.accept(message(i))).toBe("accepted");
    await ingress.idle();
    const k = ingressKeys(env.prefix);
    expect(await env.redis().zcard(k.seen(sender))).toBe(5);
    expect(await env.redis().keys(`${env.prefix}:in:dedupe:*`)).toEqual([]);
    expect(await ingress.accept(message(2))).toBe("duplicate");
    // After the window the old ids are trimmed when the next message arrives.
    now += 61_000;
    expect(await ingress.accept(message(5))).toBe("accepted");
    await ingress.idle();
    expect(await env.redis().zcard(k.seen(sender))).toBe(1);
    // No provider id in clear: members are keyed hashes.
    const members = await env.redis().zrange(k.seen(sender), "0", "-1");
    expect(members.join()).not.toContain("SM-seen");
  });

  it("deletes a conversation's inbox once every entry is applied, and keeps its state as raw bytes", async () => {
    const ingress = makeIngress();
    const { sender, driver } = smsConversation(ingress);
    await driver.text("hello");
    await driver.text("1");
    const k = ingressKeys(env.prefix);
    expect(await env.redis().exists(k.inbox(sender))).toBe(0);
    expect(await env.redis().zscore(k.pending, sender)).toBeNull();
    const stored = await env.redis().getBuffer(k.state(sender));
    const body = stored?.subarray(stored.indexOf(".", stored.indexOf(".", 3) + 1) + 1).toString("latin1");
    expect(body).toBeTruthy();
    expect(body).not.toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await driver.state())?.lang).toBe("en");
  });

  it("applies an entry whose stream id is not later than the last applied one (Redis's clock stepped back)", async () => {
    const ingress = makeIngress();
    const { phone, sender, driver } = smsConversation(ingress);
    await driver.text("hello");
    const before = await driver.state();
    const turnsBefore = await driver.turns();
    // The inbox was deleted when empty; a new one restarts from Redis's clock, here far in the past.
    const k = ingressKeys(env.prefix);
    const inbound = {
      channel: "sms" as const,
      sender,
      address: phone,
      providerId: "SM-clock-back",
      receivedAt: Date.now(),
      body: { kind: "text" as const, text: "1" },
    };
    const sealing = createIngressSealing(keys.serve);
    await env
      .redis()
      .xadd(
        k.inbox(sender),
        "1-0",
        "k",
        "msg",
        "e",
        sealing.encrypt(JSON.stringify(inbound), `inbox:${sender}`),
      );
    await ingress.drain(sender);
    const after = await driver.state();
    expect(before?.step).toBe("language");
    expect(after?.lang).toBe("en");
    expect(after?.step).not.toBe("language");
    expect(await env.redis().exists(k.inbox(sender))).toBe(0);
    // Its reply job follows the earlier one in the recipient's sequence.
    const seqsBefore = turnsBefore.map((t) => t.job.seq);
    const seqsAfter = (await driver.turns()).map((t) => t.job.seq);
    expect(seqsAfter).toHaveLength(seqsBefore.length + 1);
    const previous = seqsBefore.sort(compareSeq).at(-1) ?? "";
    const latest = seqsAfter.filter((seq) => !seqsBefore.includes(seq))[0] ?? "";
    expect(latest).toBe(entrySeq(previous, "1-0"));
    expect(compareSeq(latest, previous)).toBe(1);
  });

  it("applies every accepted message with one apply at a time", async () => {
    const ingress = makeIngress({ applyConcurrency: 1 });
    const senders = Array.from({ length: 30 }, newSender);
    const results = await Promise.all(
      senders.map((s, i) =>
        ingress.accept({
          channel: "sms",
          sender: s.sender,
          address: s.phone,
          providerId: `SM-cap-${i}-${s.sender}`,
          receivedAt: Date.now(),
          body: { kind: "text", text: "hello" },
        }),
      ),
    );
    expect(results.every((r) => r === "accepted")).toBe(true);
    await ingress.idle();
    const k = ingressKeys(env.prefix);
    for (const s of senders) {
      expect(await env.redis().exists(k.state(s.sender))).toBe(1);
      expect(await env.redis().zscore(k.pending, s.sender)).toBeNull();
    }
  });
});
