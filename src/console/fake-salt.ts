import { createHmac, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { STAFF_SALT_BYTES } from "../crypto/index.js";

/**
 * Salts for names that have no account: HMAC of the name under a random key kept in Redis, so the same
 * unknown name always gets the same salt and a caller cannot tell real accounts from unknown ones.
 */
export function createFakeSalts(deps: {
  redis: Redis;
  prefix: string;
}): (username: string) => Promise<string> {
  const key = `${deps.prefix}:staff:fake-salt-key`;
  let cached: Buffer | undefined;
  return async (username) => {
    if (!cached) {
      await deps.redis.set(key, randomBytes(32).toString("base64url"), "NX");
      const stored = await deps.redis.get(key);
      if (!stored) throw new Error("fake salt key missing");
      cached = Buffer.from(stored, "base64url");
    }
    return createHmac("sha256", cached)
      .update(username.trim().toLowerCase())
      .digest()
      .subarray(0, STAFF_SALT_BYTES)
      .toString("base64url");
  };
}
