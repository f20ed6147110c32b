import type { Redis } from "ioredis";
import { ingressKeys } from "./redis-keys.js";

export interface ForgetConversationOptions {
  readonly redis: Redis;
  readonly prefix: string;
  /** Further keys of this sender that other parts keep (e.g. the Telegram message log), by lookup hash. */
  readonly alsoKeys?: (sender: string) => readonly string[];
  /** How long to wait for the turn that carried the delete to save and let go of the conversation lock. */
  readonly lockWaitMs?: number;
}

/**
 * A defender's delete, in the ingress's own keys (security row 25): the conversation state, inbox, seen
 * (dedupe) set, opt-out, rate and daily-intake counters, and the sender's place in the reminder and pending
 * lists. Waits for the conversation lock first, so the turn that carried the delete has saved before its
 * state is removed. Returns counts only.
 */
export function createConversationForgetter(
  options: ForgetConversationOptions,
): (sender: string) => Promise<Readonly<Record<string, number>>> {
  const { redis, prefix } = options;
  const keys = ingressKeys(prefix);
  const base = `${prefix}:in`;
  return async (sender) => {
    const deadline = Date.now() + (options.lockWaitMs ?? 10_000);
    while ((await redis.exists(keys.lock(sender))) === 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const counted: string[] = [];
    for (const pattern of [
      `${base}:rate:${sender}:*`,
      `${base}:limited:${sender}:*`,
      `${base}:intakes:${sender}:*`,
    ]) {
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
        cursor = next;
        counted.push(...batch);
      } while (cursor !== "0");
    }
    const deleted = await redis.del(
      keys.state(sender),
      keys.inbox(sender),
      keys.seen(sender),
      keys.optOut(sender),
      ...counted,
      ...(options.alsoKeys?.(sender) ?? []),
    );
    const unlisted = (await redis.zrem(keys.reminders, sender)) + (await redis.zrem(keys.pending, sender));
    return { keysDeleted: deleted, unlisted };
  };
}
