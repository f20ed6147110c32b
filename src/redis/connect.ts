import { Redis, type RedisOptions } from "ioredis";

/**
 * Opens an ioredis client. `purpose` picks the options that purpose needs:
 * - "bullmq": `maxRetriesPerRequest: null`, which BullMQ workers require;
 * - "app": commands fail after a few retries instead of hanging a webhook, and commands issued in the
 *   same event-loop turn go out as one write (auto-pipelining): under a burst, hundreds of webhooks and
 *   applies each send a few commands, and one socket write per command was a fifth of the CPU;
 * - "probe": no offline queue, so a health check fails at once when Redis is down.
 */
export function createRedis(url: string, purpose: "bullmq" | "app" | "probe", name?: string): Redis {
  const options: RedisOptions = {
    connectionName: name ? `intake:${name}` : "intake",
    lazyConnect: false,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
  if (purpose === "bullmq") options.maxRetriesPerRequest = null;
  if (purpose === "app") {
    options.maxRetriesPerRequest = 3;
    options.enableAutoPipelining = true;
  }
  if (purpose === "probe") {
    options.enableOfflineQueue = false;
    options.maxRetriesPerRequest = 0;
  }
  const client = new Redis(url, options);
  // Connection errors surface through readiness and through the commands that fail; an 'error'
  // listener stops ioredis from printing them (with the URL) to stderr.
  client.on("error", () => {});
  return client;
}

/** Closes a client, falling back to disconnect when QUIT cannot be sent. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    if (client.status === "ready") await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
