import { mongoPing, parseMongoUri, parseRedisUrl, redisPing } from "../../scripts/lib/services.mjs";
import { testMongoUri, testRedisUrl } from "./services.js";

/** Fails fast, with what to do, when the services the suite needs are not running. */
export default async function globalSetup(): Promise<void> {
  const redis = parseRedisUrl(testRedisUrl);
  const mongo = parseMongoUri(testMongoUri);
  const problems: string[] = [];
  if ((await redisPing(redis.host, redis.port, 2000)) !== "+PONG")
    problems.push(`Redis at ${redis.host}:${redis.port}`);
  if (mongo && !(await mongoPing(mongo.host, mongo.port, 2000)))
    problems.push(`MongoDB at ${mongo.host}:${mongo.port}`);
  if (problems.length > 0) {
    throw new Error(
      `Not answering: ${problems.join(", ")}. Run the suite with \`npm test\`, which starts them.`,
    );
  }
}
