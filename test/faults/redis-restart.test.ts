/**
 * Durability of acknowledged messages: the whole service (`intake all`) runs against a Redis of this test's
 * own with `--appendonly yes --appendfsync always`. In the middle of a run of inbound Telegram and SMS
 * messages, Redis is SIGKILLed and started again on the same AOF directory. Every message that was answered
 * 200 must end applied: the sender's conversation state exists and the bot's reply (an outbound job) reached
 * the stand-in. Messages refused while Redis was down (5xx) are the provider's to redeliver, so they are not
 * counted; the test asserts that the kill really fell between acknowledged messages.
 */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ingressKeys } from "../../bots/ingress/redis-keys.js";
import { outboundQueueName } from "../../queues/payloads.js";
import { bullPrefix } from "../../queues/queues.js";
import { lookupHash } from "../../src/crypto/index.js";
import { conversationState } from "../support/conversation.js";
import { startPipeline } from "../support/pipeline.js";
import { startAofRedis, waitUntil } from "./support/own-redis.js";

const ownRedis = await startAofRedis();
// Registered before the pipeline's own afterAll, so it runs after the app has closed.
afterAll(async () => {
  await ownRedis.close();
});
const pipeline = await startPipeline({ env: { REDIS_URL: ownRedis.url } });
const { telegram, twilio, keys } = pipeline;
const inKeys = ingressKeys(pipeline.prefix);

interface Sender {
  readonly channel: "telegram" | "sms";
  readonly address: string;
  readonly hash: string;
  status?: number;
  /** Whether the message was sent before the kill, during the outage, or after the restart. */
  phase?: "before" | "outage" | "after";
}

const TELEGRAM_SENDERS = 40;
const SMS_SENDERS = 20;

function makeSenders(): Sender[] {
  const senders: Sender[] = [];
  for (let i = 0; i < TELEGRAM_SENDERS; i++) {
    const user = 7_100_000_000 + i;
    senders.push({
      channel: "telegram",
      address: String(user),
      hash: lookupHash(keys.serve.lookup, "telegram", String(user)),
    });
  }
  for (let i = 0; i < SMS_SENDERS; i++) {
    const phone = `+2547112${String(i).padStart(5, "0")}`;
    senders.push({ channel: "sms", address: phone, hash: lookupHash(keys.serve.lookup, "phone", phone) });
  }
  // Interleave the channels.
  return senders.sort((a, b) => a.hash.localeCompare(b.hash));
}

async function send(sender: Sender): Promise<number> {
  try {
    if (sender.channel === "telegram") {
      return (await telegram.userSends(Number(sender.address), "hello")).status ?? 0;
    }
    return (await twilio.smsFromUser(sender.address, "hello")).status;
  } catch {
    return 0;
  }
}

describe("Redis killed (SIGKILL) and restarted on its AOF mid-run", () => {
  it("applies every message that was acknowledged with 200", async () => {
    const senders = makeSenders();
    const killAt = Math.floor(senders.length / 3);
    const restartAt = killAt + 6;
    let phase: NonNullable<Sender["phase"]> = "before";
    let pendingAtKill = -1;
    const concurrency = 4;
    for (let i = 0; i < senders.length; i += concurrency) {
      if (i >= killAt && phase === "before") {
        const probe = new Redis(ownRedis.url, { maxRetriesPerRequest: 1 });
        pendingAtKill = await probe.zcard(inKeys.pending);
        probe.disconnect();
        await ownRedis.kill();
        phase = "outage";
      } else if (i >= restartAt && phase === "outage") {
        await ownRedis.start();
        phase = "after";
      }
      const batch = senders.slice(i, i + concurrency);
      const current = phase;
      await Promise.all(
        batch.map(async (s) => {
          s.phase = current;
          s.status = await send(s);
        }),
      );
    }
    if (phase === "outage") await ownRedis.start();

    const acked = senders.filter((s) => s.status === 200);
    const ackedBefore = acked.filter((s) => s.phase === "before");
    const ackedAfter = acked.filter((s) => s.phase === "after");
    // The kill must fall between acknowledged messages, or the test proves nothing.
    expect(ackedBefore.length).toBeGreaterThan(5);
    expect(ackedAfter.length).toBeGreaterThan(5);
    expect(pendingAtKill).toBeGreaterThanOrEqual(0);
    // While Redis is down nothing may be acknowledged: a 200 without a durable write would be a lie.
    for (const s of senders.filter((x) => x.phase === "outage")) expect(s.status).not.toBe(200);

    const check = new Redis(ownRedis.url, { maxRetriesPerRequest: 3 });
    try {
      const applied = async (s: Sender) => {
        const state = await conversationState(check, pipeline.prefix, keys, s.hash);
        return state !== undefined && state !== null;
      };
      const replied = (s: Sender) =>
        s.channel === "telegram"
          ? telegram.messagesTo(Number(s.address)).length > 0
          : twilio.messagesTo(s.address).length > 0;
      // The reply job: `o-<sender>-<entry id>` in the channel's outbound queue, not failed. A job that was
      // active when Redis died is retried once its lock lapses (the outbound worker's lockDuration is 15 s),
      // so its message may reach the stand-in after this test's time budget: the job is what must exist.
      const replyJob = async (s: Sender) => {
        const queue = `${bullPrefix(pipeline.prefix)}:${outboundQueueName(s.channel)}`;
        const found = await check.keys(`${queue}:o-${s.hash}-*`);
        const ids = found.filter((k) => /-\d+-\d+$/.test(k)).map((k) => k.slice(queue.length + 1));
        for (const id of ids) if ((await check.zscore(`${queue}:failed`, id)) === null) return true;
        return false;
      };
      const missing = async () => {
        const out: string[] = [];
        for (const s of acked) {
          const state = await applied(s);
          const answered = replied(s) || (await replyJob(s));
          if (!state || !answered) out.push(`${s.channel}/${s.phase}/${state ? "applied" : "unapplied"}`);
        }
        return out;
      };
      // The sweeper recovers conversations whose drain died with the connection (every 5 s, 5 s stale).
      await waitUntil(
        "every acknowledged message to be applied and answered",
        async () => (await missing()).length === 0,
        60_000,
      ).catch(() => undefined);
      expect(await missing()).toEqual([]);
      expect(await check.xlen(inKeys.inbox(acked[0]?.hash ?? ""))).toBe(0);
    } finally {
      check.disconnect();
    }
  }, 85_000);
});
