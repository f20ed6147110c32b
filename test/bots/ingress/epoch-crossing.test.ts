import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngressEngine } from "../../../bots/ingress/engine-adapter.js";
import { createIngress } from "../../../bots/ingress/ingress.js";
import { createIngressSealing } from "../../../bots/ingress/sealing.js";
import { toInbound } from "../../../bots/sms/inbound.js";
import { createQueues, type Queues } from "../../../queues/queues.js";
import { generateSecretKey, lookupHashWith } from "../../../src/crypto/index.js";
import type { ConversationState } from "../../../src/intake/index.js";
import type { Inbound } from "../../../src/intake/messages.js";
import { createLogger } from "../../../src/log/index.js";
import { createRedis } from "../../../src/redis/connect.js";
import { conversationState } from "../../support/conversation.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";

/**
 * Requirement 28 and "nothing lost": when the lookup key moves to a new epoch mid-conversation, the defender's
 * next message carries the new hash and the previous one; the conversation continues under the hash it began
 * with instead of starting over.
 */
const env = useTestRedis();
const keys = await makeTestKeys();
const redis = createRedis(env.url, "app", "test");
const bull = createRedis(env.url, "bullmq", "test");
let queues: Queues;
beforeAll(() => {
  queues = createQueues(bull, env.prefix);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
  await bull.quit();
});

const ingress = () =>
  createIngress<ConversationState>({
    redis,
    prefix: env.prefix,
    queues,
    sealing: createIngressSealing(keys.serve),
    engine: createIngressEngine({ ttlMs: 72 * 3600_000 }),
    log: createLogger({ level: "silent" }),
    conversationTtlMs: 72 * 3600_000,
    limits: { perSenderPerMinute: 1000, intakesPerSenderPerDay: 100, globalPerSecond: 100_000 },
  });

let n = 0;
function message(sender: string, text: string, previousSenders?: string[]): Inbound {
  n++;
  return {
    channel: "sms",
    sender,
    ...(previousSenders ? { previousSenders } : {}),
    address: "+254700111222",
    providerId: `SM${String(n).padStart(32, "0")}`,
    receivedAt: Date.now() + n * 1000,
    body: { kind: "text", text },
  };
}

const stateOf = (sender: string) => conversationState(redis, env.prefix, keys, sender);
const oldKey = generateSecretKey();
const newKey = generateSecretKey();
const phone = "+254700111222";

describe("a conversation crossing a lookup epoch", () => {
  it("continues under the hash it began with; a new conversation takes the new hash", async () => {
    const i = ingress();
    const before = lookupHashWith(oldKey, "phone", phone);
    const after = lookupHashWith(newKey, "phone", phone);
    await i.accept(message(before, "hello"));
    await i.idle();
    await i.accept(message(before, "1"));
    await i.idle();
    const started = await stateOf(before);
    expect(started?.step).toBeDefined();

    // The epoch moves: the adapter now hashes under the new key and passes the previous hash along.
    await i.accept(message(after, "yes", [before]));
    await i.idle();
    const continued = await stateOf(before);
    expect(continued?.step).not.toBe(started?.step);
    expect(await stateOf(after)).toBeUndefined();

    // Someone with no conversation under either hash starts under the new one.
    const other = lookupHashWith(newKey, "phone", "+254700333444");
    await i.accept(message(other, "hello", [lookupHashWith(oldKey, "phone", "+254700333444")]));
    await i.idle();
    expect(await stateOf(other)).toBeDefined();
  });

  it("the SMS adapter passes the previous epoch's hash when the keyring holds one", async () => {
    const lookup = {
      current: "new",
      keys: new Map([
        ["new", newKey],
        ["old", oldKey],
      ]),
    };
    const parsed = await toInbound(
      { MessageSid: `SM${"a".repeat(32)}`, From: phone, Body: "hello", NumMedia: "0" },
      { lookup, now: Date.now(), isOptedOut: async () => false },
    );
    if (!parsed.ok) throw new Error("not parsed");
    expect(parsed.inbound.sender).toBe(lookupHashWith(newKey, "phone", phone));
    expect(parsed.inbound.previousSenders).toEqual([lookupHashWith(oldKey, "phone", phone)]);
  });
});
