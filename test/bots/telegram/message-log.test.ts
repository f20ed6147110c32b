import { describe, expect, it } from "vitest";
import {
  createMessageLog,
  createMessageLogWriter,
  MESSAGE_LOG_TTL_MS,
  messageLogKeys,
} from "../../../bots/telegram/message-log.js";
import { useTestRedis } from "../../support/isolation.js";
import { makeTestKeys } from "../../support/keys.js";

const keys = await makeTestKeys();
const testRedis = useTestRedis();

describe("Telegram message log (/wipe)", () => {
  let now = Date.UTC(2026, 10, 28, 12);
  const clock = () => now;
  const writer = () =>
    createMessageLogWriter({
      redis: testRedis.redis(),
      prefix: testRedis.prefix,
      outbound: keys.serve.outbound,
      clock,
    });
  const reader = () =>
    createMessageLog({
      redis: testRedis.redis(),
      prefix: testRedis.prefix,
      outbound: keys.work.outbound,
      clock,
    });

  it("keeps ids of both directions sealed, and gives them back newest first", async () => {
    const sender = "sender-a";
    await writer().recordIds(sender, [101]);
    now += 1000;
    await reader().recordIds(sender, [102, 103]);
    now += 1000;
    await writer().recordIds(sender, [104]);
    expect(await reader().idsYoungerThan48h(sender)).toEqual([104, 103, 102, 101]);

    const key = messageLogKeys(testRedis.prefix, sender).log;
    const members = await testRedis.redis().zrange(key, "0", "-1");
    expect(members).toHaveLength(3);
    for (const member of members) {
      expect(member.startsWith("v1.outbound.")).toBe(true);
      expect(member).not.toContain("[10");
    }
    const ttl = await testRedis.redis().pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MESSAGE_LOG_TTL_MS);
  });

  it("drops ids older than 48 hours", async () => {
    const sender = "sender-b";
    await writer().recordIds(sender, [1]);
    now += MESSAGE_LOG_TTL_MS - 1000;
    await writer().recordIds(sender, [2]);
    now += 2000;
    expect(await reader().idsYoungerThan48h(sender)).toEqual([2]);
    expect(await testRedis.redis().zcard(messageLogKeys(testRedis.prefix, sender).log)).toBe(1);
  });

  it("moves ids aside for a wipe, keeps them for a retry, and drops them when it finishes", async () => {
    const sender = "sender-c";
    const log = reader();
    await writer().recordIds(sender, [10, 11]);
    expect(await log.takeForWipe(sender)).toEqual([11, 10]);
    // A message arriving during the wipe goes to a fresh log; a retried wipe sees both.
    await writer().recordIds(sender, [12]);
    expect(await log.takeForWipe(sender)).toEqual([12, 11, 10]);
    await log.finishWipe(sender);
    const k = messageLogKeys(testRedis.prefix, sender);
    expect(await testRedis.redis().exists(k.log, k.wiping)).toBe(0);
    expect(await log.idsYoungerThan48h(sender)).toEqual([]);
  });

  it("ignores entries it cannot open", async () => {
    const sender = "sender-d";
    await testRedis.redis().zadd(messageLogKeys(testRedis.prefix, sender).log, now, "v1.outbound.zz.garbage");
    await writer().recordIds(sender, [5]);
    expect(await reader().idsYoungerThan48h(sender)).toEqual([5]);
  });
});
