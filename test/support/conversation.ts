import type { Redis } from "ioredis";
import { ingressKeys } from "../../bots/ingress/redis-keys.js";
import { fromStored } from "../../bots/ingress/stored-envelope.js";
import { decryptState } from "../../src/crypto/index.js";
import type { ConversationState } from "../../src/intake/index.js";
import type { TestKeys } from "./keys.js";

/**
 * The engine state of one conversation as the ingress stored it (encrypted, binary in Redis), opened with
 * the test's state key: undefined when there is none, null once the conversation ended.
 */
export async function conversationState(
  redis: Redis,
  prefix: string,
  keys: TestKeys,
  sender: string,
): Promise<ConversationState | null | undefined> {
  const stored = await redis.getBuffer(ingressKeys(prefix).state(sender));
  if (!stored) return undefined;
  const record = JSON.parse(decryptState(keys.serve.state, `state:${sender}`, fromStored(stored))) as {
    engine: ConversationState | null;
  };
  return record.engine;
}
