/** Where the test services are: set by scripts/test.mjs, with the local defaults otherwise. */
export const testRedisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
export const testMongoUri = process.env.MONGODB_URI || "mongodb://127.0.0.1:27017/intake";

/** A MongoDB URI for a given database name on the test server. */
export function mongoUriFor(dbName: string): string {
  const u = new URL(testMongoUri);
  u.pathname = `/${dbName}`;
  return u.toString();
}
