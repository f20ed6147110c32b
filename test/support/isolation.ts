import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { MongoClient } from "mongodb";
import { afterAll } from "vitest";
import { mongoUriFor, testMongoUri, testRedisUrl } from "./services.js";

/**
 * A Redis key prefix of this test file's own, deleted after the file. Pass `prefix` to code under test
 * (it is the REDIS_PREFIX of the config) so files can run in parallel against one Redis.
 */
export function useTestRedis(): {
  prefix: string;
  url: string;
  redis: () => Redis;
  keys: () => Promise<string[]>;
} {
  const prefix = `t${randomBytes(5).toString("hex")}`;
  let client: Redis | undefined;
  const redis = () => {
    client ??= new Redis(testRedisUrl, { maxRetriesPerRequest: 3 });
    return client;
  };
  const keys = async () => {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis().scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== "0");
    return found;
  };
  afterAll(async () => {
    const all = await keys();
    for (let i = 0; i < all.length; i += 500) await redis().del(...all.slice(i, i + 500));
    await client?.quit();
  });
  return { prefix, url: testRedisUrl, redis, keys };
}

/** A MongoDB database of this test file's own, dropped after the file. */
export function useTestMongo(): { dbName: string; uri: string; client: () => Promise<MongoClient> } {
  const dbName = `t_${randomBytes(5).toString("hex")}`;
  const uri = mongoUriFor(dbName);
  let client: MongoClient | undefined;
  const get = async () => {
    if (!client) {
      client = new MongoClient(testMongoUri, { serverSelectionTimeoutMS: 5000 });
      await client.connect();
    }
    return client;
  };
  afterAll(async () => {
    const c = await get();
    // The database and its erasure key store (`<db>_keys`, src/storage/erasure-keys.ts).
    for (const name of [dbName, `${dbName}_keys`]) {
      await c
        .db(name)
        .dropDatabase()
        .catch(() => {});
    }
    await c.close();
  });
  return { dbName, uri, client: get };
}
