import type { Redis } from "ioredis";

/**
 * Every key and value under `prefix` in Redis, as one text, for canary scans: a test plants unique values
 * (names, numbers, answers) and asserts none appears here. Streams, hashes, lists, sets and sorted sets
 * are all read, BullMQ's job hashes included.
 */
export async function dumpRedis(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of batch) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === "string") parts.push((await redis.get(key)) ?? "");
      else if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === "list") parts.push(JSON.stringify(await redis.lrange(key, "0", "-1")));
      else if (type === "set") parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === "zset") parts.push(JSON.stringify(await redis.zrange(key, "0", "-1")));
      else if (type === "stream") parts.push(JSON.stringify(await redis.xrange(key, "-", "+")));
    }
  } while (cursor !== "0");
  return parts.join("\n");
}

/** The forms a phone number can take in a leak: E.164, digits only, national-ish tails. */
export function phoneForms(e164: string): string[] {
  const digits = e164.replace(/\D/g, "");
  return [e164, digits, digits.slice(3), digits.slice(-9)];
}
